"""Submit by URL from the upload wizard's URL field and from ``modelhub upload --url``."""

from __future__ import annotations

import json

from tests.conftest import LiveServer, make_user
from tests.fileserver import FileServer, Route
from tests.functional.cli.common import run_cli
from tests.functional.uploads_pages.common import Page, browser


def test_the_wizard_fetches_a_package_from_its_url_field(
    server: LiveServer, files: FileServer, shared_zip: bytes
) -> None:
    files.routes["/unet.zip"] = Route(shared_zip)
    with browser(server, "uma") as client:
        page = Page(client.get("/upload").text)
        assert page.by_id("url")["name"] == "url" and page.by_id("url")["type"] == "url"
        form = {"csrf": page.csrf, "url": files.url("/unet.zip")}
        empty_file = {"file": ("", b"", "")}  # what a browser sends for the empty file input
        accepted = client.post("/upload", data=form, files=empty_file)
        assert accepted.status_code == 303
        assert accepted.headers["location"].endswith("?done=uploaded")
        gone = client.post(
            "/upload", data={**form, "url": files.url("/gone.zip")}, files=empty_file
        )
        assert gone.status_code == 422
        problems = Page(gone.text)
        assert problems.has_id("package-problems") and not problems.has_id("fix-form")
        assert "The server answered &#39;404 Not Found&#39;" in gone.text
    assert files.paths() == ["/unet.zip", "/gone.zip"]


def test_the_cli_uploads_from_a_url(
    server: LiveServer, files: FileServer, shared_zip: bytes
) -> None:
    files.routes["/unet.zip"] = Route(shared_zip)
    token = make_user(server.hub, "cleo")
    up = run_cli(server, "upload", "--url", files.url("/unet.zip"), "--json", token=token)
    assert up.returncode == 0, up.stderr
    assert json.loads(up.stdout)["files"] == 10
    missing = run_cli(server, "upload", "--url", files.url("/nope.zip"), "--json", token=token)
    assert missing.returncode == 1
    assert json.loads(missing.stdout)["error"]["code"] == "fetch_http_error"
    assert files.paths() == ["/unet.zip", "/nope.zip"]
