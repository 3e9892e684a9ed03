"""Open a model in an application: the card's action, the hub's page with its sandboxed frame,
and the application's page served to run only in an opaque origin, framed by the hub."""

from __future__ import annotations

from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest
from pydantic import SecretStr

from modelhub.web.headers import content_security_policy
from tests.conftest import LiveServer, auth
from tests.functional.applications.common import (
    APP_NAME,
    APP_PAGE,
    app_zip,
    model_and_app,
    model_zip,
    published,
)
from tests.functional.pages.common import parse
from tests.functional.review.common import upload


def _frame(html: str) -> dict[str, str]:
    frames = [a for tag, a in parse(html).tags if tag == "iframe"]
    assert len(frames) == 1
    return frames[0]


def test_the_card_offers_the_linked_application_and_the_page_frames_it(
    server: LiveServer, http: httpx.Client, admin_token: str, tmp_path: Path
) -> None:
    model, app = model_and_app(http, admin_token, tmp_path)
    card = http.get(f"/resources/{model}", params={"format": "json"}).json()
    opened = f"/resources/{model}/open/{app}?version=v1"
    assert card["open_in"] == [{"id": app, "name": APP_NAME, "url": opened}]
    html = http.get(f"/resources/{model}").text
    assert ("a", {"class": "button", "href": opened}) in parse(html).tags
    assert f"Open in {APP_NAME}" in html

    page = http.get(opened)
    assert page.status_code == 200
    assert page.headers["content-security-policy"] == content_security_policy(None, frames=True)
    frame = _frame(page.text)
    assert frame["sandbox"] == "allow-scripts"  # never allow-same-origin
    src = urlsplit(frame["src"])
    assert (
        f"{src.scheme}://{src.netloc}{src.path}"
        == f"{server.url}/artifacts/{app}/v1/app/index.html"
    )
    rdf_url = f"{server.url}/artifacts/{model}/v1/files/rdf.yaml"
    assert parse_qs(src.fragment) == {"id": [model], "version": ["v1"], "rdf_url": [rdf_url]}
    twin = http.get(opened, params={"format": "json"}).json()
    assert twin["context"] == {
        "id": model, "version": "v1", "rdf_url": rdf_url, "name": "Linked model",
        "type": "model", "page_url": f"{server.url}/resources/{model}?version=v1",
        "hub_url": server.url,
    }  # fmt: skip
    assert twin["frame_url"] == frame["src"] and twin["frame_origin"] == server.url

    # the application's page: runs only in an opaque origin, framed by the hub's pages
    entry = http.get(f"/artifacts/{app}/v1/app/index.html")
    assert entry.status_code == 200 and entry.text == APP_PAGE
    assert entry.headers["content-type"] == "text/html; charset=utf-8"
    policy = entry.headers["content-security-policy"]
    assert policy == f"sandbox allow-scripts; frame-ancestors 'self' {server.url}"
    assert "x-frame-options" not in entry.headers
    assert entry.headers["x-content-type-options"] == "nosniff"
    assert "set-cookie" not in entry.headers
    # its package's other files: their ordinary (inert) addresses
    beside = http.get(f"/artifacts/{app}/v1/app/README.md")
    assert beside.status_code == 307
    assert beside.headers["location"] == f"/artifacts/{app}/v1/files/README.md"


def test_only_published_applications_with_a_web_page_open(
    server: LiveServer, http: httpx.Client, admin_token: str, tmp_path: Path
) -> None:
    script_app = published(http, admin_token, app_zip(tmp_path / "py", source="README.md"))
    draft_app: str = upload(http, admin_token, app_zip(tmp_path / "draft"))["resource_id"]
    model = published(http, admin_token, model_zip(tmp_path, links=[script_app, draft_app]))
    assert http.get(f"/resources/{model}", params={"format": "json"}).json()["open_in"] == []
    for app in (script_app, draft_app, model, "no-such-app"):
        refused = http.get(f"/resources/{model}/open/{app}")
        assert refused.status_code == 404, app
        assert "is not a published application" in refused.text
    for path in (
        f"/artifacts/{draft_app}/draft/app/index.html",
        f"/artifacts/{script_app}/v1/app/README.md",
        f"/artifacts/{model}/v1/app/rdf.yaml",
    ):
        refused = http.get(path, headers=auth(admin_token))
        assert (
            refused.status_code == 404 and refused.json()["error"]["code"] == "not_an_application"
        )
    # a draft model does not open in applications: they read public files only
    draft_model = upload(http, admin_token, model_zip(tmp_path / "m2", links=[]))["resource_id"]
    # the same application as the draft above would be refused as identical: another page
    app = published(http, admin_token, app_zip(tmp_path / "ok", page=APP_PAGE + "<!-- 2 -->"))
    refused = http.get(
        f"/resources/{draft_model}/open/{app}", params={"format": "json"}, headers=auth(admin_token)
    )
    assert refused.status_code == 409 and refused.json()["error"]["code"] == "not_published"


@pytest.fixture
def files(server: LiveServer) -> str:
    """The files origin: the same server under another host name (another origin)."""
    settings = server.hub.settings
    settings.files_secret = SecretStr("a signing key for the files origin of these tests")
    settings.files_url = server.url.replace("127.0.0.1", "localhost")
    return settings.files_url


def test_with_a_files_origin_the_application_runs_there(
    server: LiveServer, files: str, http: httpx.Client, admin_token: str, tmp_path: Path
) -> None:
    model, app = model_and_app(http, admin_token, tmp_path)
    page = http.get(f"/resources/{model}/open/{app}")
    policy = page.headers["content-security-policy"]
    assert policy == content_security_policy(files, frames=True)
    assert f"frame-src {files};" in policy
    path = f"/artifacts/{app}/v1/app/index.html"
    assert _frame(page.text)["src"].startswith(f"{files}{path}#id=")
    # the hub's origin sends the page there
    moved = http.get(path)
    assert moved.status_code == 307 and moved.headers["location"] == f"{files}{path}"
    with httpx.Client(base_url=files, timeout=60) as plain:
        entry = plain.get(path, headers=auth(admin_token))
        assert entry.status_code == 200 and entry.text == APP_PAGE
        assert entry.headers["content-security-policy"] == (
            f"sandbox allow-scripts; frame-ancestors {server.url}"
        )
        assert "x-frame-options" not in entry.headers
        # anything else there keeps the package headers: no script, no framing
        other = plain.get(f"/artifacts/{app}/v1/files/index.html")
        assert other.headers["x-frame-options"] == "DENY"
        assert other.headers["content-disposition"].startswith("attachment")
        missing = plain.get(f"/artifacts/{app}/v2/app/index.html")
        assert missing.status_code == 404 and missing.headers["x-frame-options"] == "DENY"
        assert plain.get(f"/resources/{model}/open/{app}").status_code == 404
