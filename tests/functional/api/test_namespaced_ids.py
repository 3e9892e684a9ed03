"""A community partner's resource, ``ilastik/pixel-classifier``, over real HTTP on every route
that takes a resource id — next to a nickname resource whose routes must not be read as an id
``<nickname>/versions``. Its versions come through the real upload path."""

from __future__ import annotations

import hashlib
import io
import zipfile
from typing import Any

import httpx
import pytest
import yaml

from tests.conftest import OVERRIDE, LiveServer, auth, changed_zip, namespaced_resource
from tests.functional.review.common import act, build_zip, publish, upload
from tests.functional.review_pages.common import Page, csrf_of, logged_in

RID = "ilastik/pixel-classifier"
STEM = "ilastik__pixel-classifier"  # the id in file names
WEIGHTS = "weights.torchscript.pt"


@pytest.fixture(scope="module")
def package(tmp_path_factory: pytest.TempPathFactory) -> bytes:
    return build_zip(tmp_path_factory.mktemp("namespaced-pkg"))


@pytest.fixture
def published(
    http: httpx.Client, server: LiveServer, admin_token: str, package: bytes
) -> tuple[str, str]:
    """``RID`` published as v1 (uploaded into its namespaced id), and a nickname resource
    published from the same package; answers (RID, nickname)."""
    namespaced_resource(server.hub, RID, maintainer="ada")
    got = upload(http, admin_token, package, resource_id=RID)
    assert (got["resource_id"], got["revision"], got["status"]) == (RID, 1, "draft")
    assert publish(http, admin_token, RID)["version"] == "v1"
    nickname = upload(http, admin_token, changed_zip(package, "Nickname"))["resource_id"]
    assert "/" not in nickname
    publish(http, admin_token, nickname)
    return RID, nickname


def _json(r: httpx.Response, status: int = 200) -> Any:
    assert r.status_code == status, f"{r.request.method} {r.request.url}: {r.text}"
    return r.json()


def test_the_api_reads_the_resource_and_its_versions(
    http: httpx.Client, server: LiveServer, published: tuple[str, str]
) -> None:
    resource = _json(http.get(f"/api/v1/resources/{RID}"))
    assert resource["id"] == RID
    assert resource["url"] == f"{server.url}/api/v1/resources/{RID}"
    assert resource["rdf_url"] == f"{server.url}/artifacts/{RID}/files/rdf.yaml"
    assert resource["package_url"] == f"{server.url}/artifacts/{RID}/package.zip"
    assert [v["version"] for v in _json(http.get(f"/api/v1/resources/{RID}/versions"))] == ["v1"]
    for label in ("v1", "1", "latest"):
        version = _json(http.get(f"/api/v1/resources/{RID}/versions/{label}"))
        assert version["version"] == "v1"
        assert version["rdf_url"] == f"{server.url}/artifacts/{RID}/v1/files/rdf.yaml"
    # every URL the API hands out answers
    for f in version["files"]:
        assert http.get(f["url"]).status_code == 200, f["url"]
    missing = http.get("/api/v1/resources/ilastik/no-such-thing")
    assert missing.status_code == 404
    assert missing.json()["error"]["message"] == "There is no resource 'ilastik/no-such-thing'."


def test_files_and_the_package_download_with_head(
    http: httpx.Client, published: tuple[str, str], package: bytes
) -> None:
    with zipfile.ZipFile(io.BytesIO(package)) as archive:
        weights = archive.read(WEIGHTS)
    rdf = http.get(f"/artifacts/{RID}/files/rdf.yaml")
    assert rdf.status_code == 200
    assert yaml.safe_load(rdf.text)["id"] == RID  # the served description names its id
    for path in (
        f"/artifacts/{RID}/files/{WEIGHTS}",
        f"/artifacts/{RID}/v1/files/{WEIGHTS}",
        f"/api/v1/resources/{RID}/versions/v1/files/{WEIGHTS}",
    ):
        got = http.get(path)
        assert (got.status_code, got.content) == (200, weights), path
        head = http.head(path)
        assert head.status_code == 200 and head.content == b"", path
        assert head.headers["content-length"] == str(len(weights))
        assert head.headers["etag"] == f'"{hashlib.sha256(weights).hexdigest()}"'
    for path in (
        f"/artifacts/{RID}/package.zip",
        f"/artifacts/{RID}/v1/package.zip",
        f"/api/v1/resources/{RID}/versions/v1/package.zip",
    ):
        for method in ("GET", "HEAD"):
            r = http.request(method, path)
            assert r.status_code == 200, path
            assert r.headers["content-disposition"] == f'attachment; filename="{STEM}-v1.zip"'
        with zipfile.ZipFile(io.BytesIO(http.get(path).content)) as archive:
            assert archive.read(WEIGHTS) == weights


def test_citations_name_the_page_and_a_file_without_slash(
    http: httpx.Client, server: LiveServer, published: tuple[str, str]
) -> None:
    cff = http.get(f"/api/v1/resources/{RID}/versions/v1/citation.cff")
    assert cff.status_code == 200, cff.text
    page = yaml.safe_load(cff.text)["url"]
    assert page == f"{server.url}/resources/{RID}?version=v1"
    assert http.get(page).status_code == 200
    bib = http.get(f"/api/v1/resources/{RID}/versions/v1/citation.bib")
    assert bib.headers["content-disposition"] == f'attachment; filename="{STEM}-v1.bib"'
    assert bib.text.startswith("@software{ilastik_pixel-classifier_v1,\n")


def test_the_model_card_and_its_json_twin(
    http: httpx.Client, server: LiveServer, published: tuple[str, str]
) -> None:
    html = http.get(f"/resources/{RID}")
    assert html.status_code == 200
    hrefs = {a.get("href") for a in Page(html.text).all("a")}
    assert f"{server.url}/artifacts/{RID}/v1/package.zip" in hrefs
    twin = _json(http.get(f"/resources/{RID}", params={"format": "json", "version": "v1"}))
    assert (twin["resource"]["id"], twin["version"]["version"]) == (RID, "v1")
    card = twin["card"]
    assert card["citation_cff_url"] == f"/api/v1/resources/{RID}/versions/v1/citation.cff"
    assert http.get(card["citation_cff_url"]).status_code == 200
    how = "\n".join(way["code"] for way in card["how_to_use"]["ways"] if way.get("code"))
    assert f"{RID}/v1" in how


def test_checks_are_listed_and_asked_for(
    http: httpx.Client, admin_token: str, published: tuple[str, str]
) -> None:
    runs = _json(http.get(f"/api/v1/resources/{RID}/versions/v1/checks"))
    assert [(r["trigger"], r["status"]) for r in runs] == [("upload", "queued")]
    again = http.post(f"/api/v1/resources/{RID}/checks", headers=auth(admin_token))
    assert again.status_code == 202, again.text
    runs = _json(http.get(f"/api/v1/resources/{RID}/versions/v1/checks"))
    assert len(runs) == 2


def test_review_through_the_api_and_the_desk(
    http: httpx.Client, server: LiveServer, admin_token: str, package: bytes,
    published: tuple[str, str],
) -> None:  # fmt: skip
    second = changed_zip(package, "Second")
    draft = upload(http, admin_token, second, resource_id=RID, change_note="second")
    assert (draft["resource_id"], draft["revision"]) == (RID, 2)
    assert _json(act(http, admin_token, RID, "submit", revision=2))["status"] == "in_review"
    state = _json(http.get(f"/api/v1/resources/{RID}/review", headers=auth(admin_token)))
    assert (state["resource_id"], state["revision"], state["status"]) == (RID, 2, "in_review")
    said = http.post(
        f"/api/v1/resources/{RID}/review/comments", json={"body": "looks right"},
        headers=auth(admin_token),
    )  # fmt: skip
    assert said.status_code == 201, said.text
    with logged_in(server, "ada", "correct horse battery") as browser:
        desk = browser.get(f"/review/{RID}")
        assert desk.status_code == 200
        actions = {f.get("action") for f in Page(desk.text).all("form")}
        assert f"/review/{RID}/actions/approve" in actions
        assert f"/review/{RID}/comments" in actions
        done = browser.post(
            f"/review/{RID}/actions/approve",
            data={"csrf": csrf_of(desk.text), "revision": "2", **OVERRIDE},
        )
        assert (done.status_code, done.headers["location"]) == (
            303,
            f"/resources/{RID}?version=v2",
        )
    history = _json(http.get(f"/api/v1/resources/{RID}/history", headers=auth(admin_token)))
    assert history[-1]["to_status"] == "published"
    people = _json(http.get(f"/api/v1/resources/{RID}/maintainers", headers=auth(admin_token)))
    assert [p["username"] for p in people] == ["ada"]


def test_the_upload_status_page(
    http: httpx.Client, admin_token: str, published: tuple[str, str]
) -> None:
    page = http.get(f"/upload/{RID}", headers=auth(admin_token))
    assert page.status_code == 200
    twin = _json(http.get(f"/upload/{RID}", params={"format": "json"}, headers=auth(admin_token)))
    assert twin["resource_id"] == RID


def test_yank_and_unyank(http: httpx.Client, admin_token: str, published: tuple[str, str]) -> None:
    yanked = http.post(
        f"/api/v1/resources/{RID}/versions/v1/yank", json={"reason": "wrong weights"},
        headers=auth(admin_token),
    )  # fmt: skip
    assert _json(yanked)["yank_reason"] == "wrong weights"
    assert _json(http.get(f"/api/v1/resources/{RID}/versions/v1"))["yank_reason"] == "wrong weights"
    back = http.post(f"/api/v1/resources/{RID}/versions/v1/unyank", headers=auth(admin_token))
    assert _json(back)["yanked_at"] is None


def test_the_bioimageio_tools_find_it_by_id(
    http: httpx.Client, server: LiveServer, published: tuple[str, str]
) -> None:
    id_map = _json(http.get("/id_map.json"))
    assert {RID, f"{RID}/v1", f"{RID}/1"} <= set(id_map)
    entry = id_map[RID]
    assert entry["source"] == f"{server.url}/artifacts/{RID}/v1/files/rdf.yaml"
    assert hashlib.sha256(http.get(entry["source"]).content).hexdigest() == entry["sha256"]
    # BIOIMAGEIO_COLLECTION_HTTP_PATTERN: the id goes in verbatim
    pattern = server.hub.links.collection_pattern()
    for source in (RID, f"{RID}/v1", f"{RID}/1"):
        rdf = http.get(pattern.format(bioimageio_id=source))
        assert rdf.status_code == 200, source
        assert hashlib.sha256(rdf.content).hexdigest() == entry["sha256"]


def test_search_lists_it_with_a_working_url(http: httpx.Client, published: tuple[str, str]) -> None:
    found = _json(http.get("/api/v1/resources", params={"per_page": 100}))
    ids = {item["id"]: item for item in found["items"]}
    assert set(ids) == set(published)
    assert _json(http.get(ids[RID]["url"]))["id"] == RID


def test_nickname_routes_are_not_read_as_ids(
    http: httpx.Client, server: LiveServer, published: tuple[str, str]
) -> None:
    _, nick = published
    assert [v["version"] for v in _json(http.get(f"/api/v1/resources/{nick}/versions"))] == ["v1"]
    assert _json(http.get(f"/api/v1/resources/{nick}/versions/v1"))["version"] == "v1"
    for path in (
        f"/artifacts/{nick}/files/rdf.yaml",
        f"/artifacts/{nick}/v1/files/rdf.yaml",
        f"/artifacts/{nick}/1/files/rdf.yaml",
        f"/artifacts/{nick}/v1/package.zip",
        f"/artifacts/{nick}/package.zip",
    ):
        assert http.get(path).status_code == 200, path
    zipped = http.head(f"/artifacts/{nick}/v1/package.zip")
    assert zipped.headers["content-disposition"] == f'attachment; filename="{nick}-v1.zip"'
    assert http.get(f"/resources/{nick}").status_code == 200
    assert nick in _json(http.get("/id_map.json"))
    rdf = http.get(server.hub.links.collection_pattern().format(bioimageio_id=nick))
    assert yaml.safe_load(rdf.text)["id"] == nick
