"""Citation files of a version over real HTTP: a real package uploaded, published, then cited."""

from __future__ import annotations

import re
from pathlib import Path

import httpx
import pytest
import yaml

from modelhub.demo.builder import build_package, zip_package
from modelhub.demo.writer import CITE_MODEL_ZOO
from tests.conftest import LiveServer, auth, make_user


@pytest.fixture
def draft_id(http: httpx.Client, member_token: str, tmp_path: Path) -> str:
    """A dataset (cheap to build, and real) uploaded by the member: an open draft."""
    pkg = build_package("dataset-0.5", tmp_path / "pkg", name="Nuclei for citing (demo)", seed=4)
    r = http.post(
        "/api/v1/uploads",
        content=zip_package(pkg, tmp_path / "pkg.zip").read_bytes(),
        headers={**auth(member_token), "content-type": "application/zip"},
    )
    assert r.status_code == 201, r.text
    rid: str = r.json()["resource_id"]
    return rid


def publish(http: httpx.Client, rid: str, admin_token: str) -> None:
    r = http.post(
        f"/api/v1/resources/{rid}/publish",
        json={"override_reason": "test"},  # no check runs in this test
        headers=auth(admin_token),
    )
    assert r.status_code == 201, r.text


def citation(http: httpx.Client, rid: str, label: str, ext: str, token: str = "") -> httpx.Response:
    headers = auth(token) if token else {}
    return http.get(f"/api/v1/resources/{rid}/versions/{label}/citation.{ext}", headers=headers)


def test_a_published_version_is_cited_in_both_formats(
    http: httpx.Client, server: LiveServer, admin_token: str, draft_id: str
) -> None:
    rid = draft_id
    publish(http, rid, admin_token)

    cff = citation(http, rid, "v1", "cff")
    assert cff.status_code == 200, cff.text
    assert cff.headers["content-type"] == "application/yaml; charset=utf-8"
    assert cff.headers["content-disposition"] == 'attachment; filename="CITATION.cff"'
    data = yaml.safe_load(cff.text)
    page = f"{server.url}/resources/{rid}?version=v1"
    assert data["cff-version"] == "1.2.0" and data["type"] == "dataset"
    assert data["title"] == "Nuclei for citing (demo)"
    assert data["version"] == "v1" and data["url"] == page
    assert re.fullmatch(r"\d{4}-\d{2}-\d{2}", data["date-released"])
    assert data["authors"][0] == {
        "given-names": "Josiah",
        "family-names": "Carberry",
        "affiliation": "Example Institute (fictional author of modelhub demo content)",
        "orcid": "https://orcid.org/0000-0002-1825-0097",
    }
    assert {"name": "Modelhub demo team"} in data["authors"]
    assert data["license"] and "example" in data["keywords"]
    assert [r.get("doi") for r in data["references"]] == [CITE_MODEL_ZOO["doi"]]
    assert http.get(page).status_code == 200  # the cited URL is the version's real page

    bib = citation(http, rid, "v1", "bib")
    assert bib.status_code == 200, bib.text
    assert bib.headers["content-type"] == "application/x-bibtex; charset=utf-8"
    assert bib.headers["content-disposition"] == f'attachment; filename="{rid}-v1.bib"'
    assert bib.text.startswith(f"@software{{{rid}_v1,\n")
    assert "  author = {Carberry, Josiah and {Modelhub demo team}},\n" in bib.text
    assert "  version = {v1},\n" in bib.text and f"  url = {{{page}}},\n" in bib.text
    assert f"@misc{{{rid}_v1_cite1," in bib.text and CITE_MODEL_ZOO["doi"] in bib.text

    # "latest" and "1" name the same version; the files say which one
    assert citation(http, rid, "latest", "cff").text == cff.text
    assert citation(http, rid, "1", "bib").text == bib.text


def test_drafts_are_not_cited_and_invisible_ones_do_not_exist(
    http: httpx.Client, server: LiveServer, member_token: str, admin_token: str, draft_id: str
) -> None:
    rid, stranger = draft_id, make_user(server.hub, "eve")
    for ext in ("cff", "bib"):
        mine = citation(http, rid, "draft", ext, member_token)
        assert mine.status_code == 409, mine.text
        assert mine.json()["error"]["code"] == "not_published"
        assert citation(http, rid, "latest", ext, member_token).status_code == 409
        assert citation(http, rid, "draft", ext, admin_token).status_code == 409
        # someone else's draft, and a draft to an anonymous visitor: no such thing
        assert citation(http, rid, "draft", ext, stranger).status_code == 404
        assert citation(http, rid, "draft", ext).status_code == 404
        assert citation(http, rid, "latest", ext).status_code == 404


def test_unknown_versions_and_resources_are_404(
    http: httpx.Client, admin_token: str, draft_id: str
) -> None:
    rid = draft_id
    publish(http, rid, admin_token)
    for ext in ("cff", "bib"):
        for label in ("v2", "7", "nonsense", "v0"):
            r = citation(http, rid, label, ext)
            assert r.status_code == 404 and r.json()["error"]["code"] == "not_found", label
        assert citation(http, "no-such-thing", "v1", ext).status_code == 404
    assert citation(http, rid, "v1", "cff").status_code == 200
