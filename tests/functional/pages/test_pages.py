"""Pages: structure checked in the HTML, and each page's JSON twin from the same data."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import httpx

from modelhub.cli.packing import zip_folder
from tests.conftest import OVERRIDE, LiveServer, auth
from tests.functional.pages.common import parse


def _published(http: httpx.Client, token: str, shared_model_dir: Path, tmp: Path) -> str:
    work = tmp / "pkg"
    shutil.copytree(shared_model_dir, work)
    archive = zip_folder(work, tmp / "p.zip")
    r = http.post(
        "/api/v1/uploads",
        content=archive.read_bytes(),
        headers={**auth(token), "content-type": "application/zip"},
    )
    rid: str = r.json()["resource_id"]
    http.post(
        f"/api/v1/resources/{rid}/publish", headers=auth(token), json=OVERRIDE
    ).raise_for_status()
    return rid


def test_home_lists_and_searches(
    http: httpx.Client, admin_token: str, shared_model_dir: Path, tmp_path: Path
) -> None:
    rid = _published(http, admin_token, shared_model_dir, tmp_path)
    page = parse(http.get("/").text)
    links = [a.get("href") for tag, a in page.tags if tag == "a"]
    assert f"/resources/{rid}" in links
    assert any(tag == "input" and a.get("name") == "q" for tag, a in page.tags)
    assert any(tag == "label" and a.get("for") == "q" for tag, a in page.tags)
    twin = http.get("/", params={"q": "nuclei", "format": "json"}).json()
    assert twin["results"]["total"] == 1 and twin["results"]["items"][0]["id"] == rid
    empty = http.get("/", params={"q": "zebrafish"})
    assert "Nothing found" in empty.text
    assert (
        http.get("/", params={"q": "zebrafish"}, headers={"accept": "application/json"}).json()[
            "results"
        ]["total"]
        == 0
    )


def test_resource_page_shows_the_card(
    http: httpx.Client, admin_token: str, shared_model_dir: Path, tmp_path: Path
) -> None:
    rid = _published(http, admin_token, shared_model_dir, tmp_path)
    html = http.get(f"/resources/{rid}").text
    page = parse(html)
    text = " ".join(page.text)
    for expected in (
        "UNet 2D Nuclei Broad",
        "MIT",
        "Constantin Pape",
        "v1",
        "weights.onnx",
        "segmentation",
    ):
        assert expected in text, expected
    hrefs = {a.get("href") for tag, a in page.tags if tag == "a"}
    assert any(h and h.endswith(f"/artifacts/{rid}/v1/package.zip") for h in hrefs)
    assert any(h and re.search(rf"/artifacts/{rid}/v1/files/weights.onnx$", h) for h in hrefs)
    twin = http.get(f"/resources/{rid}", params={"format": "json"}).json()
    assert twin["resource"]["id"] == rid and twin["version"]["version"] == "v1"
    # nothing loaded from outside the hub (links to DOIs, licenses or ORCID are fine)
    assert not re.search(r'src="https?://(?!127\.0\.0\.1)', html)
    assert not re.search(r'<link[^>]+href="https?://(?!127\.0\.0\.1)', html)


def test_missing_pages_answer_404_in_html_and_json(http: httpx.Client) -> None:
    r = http.get("/resources/no-such-thing")
    assert r.status_code == 404 and "text/html" in r.headers["content-type"]
    j = http.get("/resources/no-such-thing", params={"format": "json"})
    assert j.status_code == 404 and j.json()["error"]["code"] == "not_found"


def test_login_needs_the_csrf_token_and_the_right_password(
    server: LiveServer, admin_token: str
) -> None:
    with httpx.Client(base_url=server.url) as browser:
        form = parse(browser.get("/login").text)
        csrf = next(a["value"] for t, a in form.tags if t == "input" and a.get("name") == "csrf")
        assert csrf
        forged = browser.post(
            "/login", data={"username": "ada", "password": "x"}, headers={"cookie": ""}, cookies={}
        )
        assert forged.status_code == 403
        wrong = browser.post("/login", data={"username": "ada", "password": "nope", "csrf": csrf})
        assert wrong.status_code == 401 and "Wrong username or password" in wrong.text
        ok = browser.post(
            "/login",
            data={
                "username": "ada",
                "password": "correct horse battery",
                "csrf": csrf,
                "next": "/",
            },
        )
        assert ok.status_code == 303 and "modelhub_session" in ok.cookies
        me = browser.get("/api/v1/me")
        assert me.status_code == 200 and me.json()["username"] == "ada"
        browser.post("/logout", data={"csrf": csrf})
        assert browser.get("/api/v1/me").status_code == 401


def test_every_answer_says_nothing_may_load_from_elsewhere(http: httpx.Client) -> None:
    for path in ("/", "/login", "/api/v1/resources", "/no-such-page"):
        r = http.get(path)
        policy = r.headers["content-security-policy"]
        assert "default-src 'self'" in policy and "script-src 'self'" in policy, path
        assert (
            "frame-ancestors 'none'" in policy and r.headers["x-content-type-options"] == "nosniff"
        )
    # the interactive API pages would load their scripts from a CDN: not served
    assert http.get("/docs").status_code == 404
    assert http.get("/openapi.json").json()["info"]["title"] == "modelhub"


def test_card_shows_names_as_written_and_related_links(
    http: httpx.Client, admin_token: str, shared_model_dir: Path, tmp_path: Path
) -> None:
    first = _published(http, admin_token, shared_model_dir, tmp_path / "a")
    work = tmp_path / "b"
    shutil.copytree(shared_model_dir, work)
    with (work / "bioimageio.yaml").open("a") as rdf:
        rdf.write(
            f"links:\n- {first}\n- https://example.org/data?x=1\n- javascript:alert(1)\n"
            "- no-such-resource\n"
        )
    archive = zip_folder(work, tmp_path / "b.zip")
    rid = http.post(
        "/api/v1/uploads",
        content=archive.read_bytes(),
        headers={**auth(admin_token), "content-type": "application/zip"},
    ).json()["resource_id"]
    http.post(
        f"/api/v1/resources/{rid}/publish", headers=auth(admin_token), json=OVERRIDE
    ).raise_for_status()
    html = http.get(f"/resources/{rid}").text
    page = parse(html)
    # "Constantin Pape;@bioimage-io": the name before ";", the handle a link to its GitHub page
    text = " ".join(page.text)
    assert ";@" not in text and "Constantin Pape (EMBL Heidelberg)" in text
    anchors = {a.get("href"): a for tag, a in page.tags if tag == "a"}
    assert "https://github.com/bioimage-io" in anchors
    related = re.search(r"<dt>Related</dt><dd>(.*?)</dd>", html, re.S)
    assert related is not None
    hrefs = re.findall(r'<a href="([^"]*)"', related[1])
    assert hrefs == [f"/resources/{first}", "https://example.org/data?x=1"]
    assert anchors["https://example.org/data?x=1"]["rel"] == "noopener noreferrer nofollow"
    assert "<code>javascript:alert(1)</code>" in related[1] and "no-such-resource" in related[1]
    twin = http.get(f"/resources/{rid}", params={"format": "json"}).json()
    assert [(x["text"], x["url"], x["external"]) for x in twin["related"]] == [
        (first, f"/resources/{first}", False),
        ("https://example.org/data?x=1", "https://example.org/data?x=1", True),
        ("javascript:alert(1)", None, False),
        ("no-such-resource", None, False),
    ]
    pape = twin["card"]["authors"][0]
    assert (pape["name"], pape["github_user"]) == ("Constantin Pape", "bioimage-io")
    cff = http.get(f"/api/v1/resources/{rid}/versions/v1/citation.cff").text
    assert "family-names: Pape" in cff and ";@" not in cff
    found = http.get("/", params={"q": "Pape", "format": "json"}).json()["results"]["items"]
    assert all(a == a.split(";")[0] for r in found for a in r["authors"]) and found
