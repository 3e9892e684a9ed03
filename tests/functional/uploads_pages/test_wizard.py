"""The upload wizard: the form, a refused upload shown field by field, and the fix form."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import httpx
import yaml

from modelhub.cli.packing import zip_folder
from tests.conftest import LiveServer, files_under
from tests.functional.uploads_pages.common import (
    Page,
    browser,
    package_zip,
    table_count,
    unlabelled_fields,
)


def _post_zip(client: httpx.Client, data: bytes, csrf: str, **fields: str) -> httpx.Response:
    return client.post(
        "/upload",
        data={"csrf": csrf, **fields},
        files={"file": ("model.zip", data, "application/zip")},
    )


def _fix(client: httpx.Client, pairs: list[tuple[str, str]]) -> httpx.Response:
    """Send the fix form as a browser does: multipart, the file input left empty."""
    data: dict[str, list[str]] = {}
    for key, value in pairs:
        data.setdefault(key, []).append(value)
    empty = {"cover_file": ("", b"", "application/octet-stream")}
    return client.post("/upload/fix", data=data, files=empty)


def test_the_upload_page_needs_login_and_labels_every_field(server: LiveServer) -> None:
    with httpx.Client(base_url=server.url) as anonymous:
        r = anonymous.get("/upload")
        assert r.status_code == 303 and r.headers["location"] == "/login?next=%2Fupload"
    with browser(server, "uma") as client:
        page = Page(client.get("/upload").text)
        assert unlabelled_fields(page) == [] and page.csrf
        assert page.by_id("file")["accept"] == ".zip,application/zip"
        assert page.by_id("files")["name"] == "files" and "webkitdirectory" in page.by_id("files")
        assert page.by_id("upload-form")["action"] == "/upload"
        assert '<script src="/static/upload.js" defer></script>' in page.html
        assert ' style="' not in page.html and " onclick" not in page.html


def test_a_refused_upload_is_shown_by_field_and_stores_nothing(
    server: LiveServer, bad_package: tuple[bytes, dict[str, Any]]
) -> None:
    hub = server.hub
    with browser(server, "uma") as client:
        csrf = Page(client.get("/upload").text).csrf
        r = _post_zip(client, bad_package[0], csrf)
        assert r.status_code == 422
        page = Page(r.text)
        assert unlabelled_fields(page) == []
        assert "not an SPDX license identifier" in page.html
        license_field = page.by_id("license")
        assert "license-error" in (license_field["aria-describedby"] or "")
        assert license_field["aria-invalid"] == "true"
        assert "required" in page.html and page.has_id("authors-error")
        assert "authors-error" in (page.by_id("authors-rows")["aria-describedby"] or "")
        assert page.by_id("fix-form")["action"] == "/upload/fix"
        assert not page.has_id("package-problems")  # the form can fix everything here
        # tags are suggested from the vocabulary without a script; the refusal links the help
        assert page.by_id("tags")["list"] == "tag-suggestions" and page.has_id("tag-suggestions")
        assert '<option value="nuclei">' in page.html and "/help/build-a-package" in page.html
        # the JSON twin of the same answer
        twin = client.post(
            "/upload?format=json",
            data={"csrf": csrf},
            files={"file": ("model.zip", bad_package[0], "application/zip")},
        )
        body = twin.json()
        assert twin.status_code == 422 and set(body["field_errors"]) == {"license", "authors"}
        assert body["staged"] and body["form"]["name"] == "Upload wizard model"
    for table in ("resources", "resource_versions", "blobs", "check_runs", "jobs"):
        assert table_count(hub, table) == 0, table
    assert files_under(hub.settings.resolved_storage_dir) == set()
    staged = [p.name for p in hub.settings.staging_dir.iterdir()]
    assert staged and all(name.startswith("wizard-") for name in staged)


def test_a_package_the_form_cannot_fix_lists_its_problems(server: LiveServer) -> None:
    with browser(server, "uma") as client:
        csrf = Page(client.get("/upload").text).csrf
        r = _post_zip(client, b"this is not a zip archive", csrf)
        assert r.status_code == 422
        page = Page(r.text)
        assert page.has_id("package-problems") and not page.has_id("fix-form")
        assert "could not be read as a zip archive" in page.html
        empty = client.post("/upload", data={"csrf": csrf}, files={"file": ("", b"", "")})
        assert empty.status_code == 400 and "No package was chosen" in empty.text
        forged = _post_zip(client, b"PK", "not-the-token")
        assert forged.status_code == 403
    assert table_count(server.hub, "resources") == 0
    assert not list(server.hub.settings.staging_dir.iterdir())


def test_every_problem_of_a_package_is_shown_at_once(server: LiveServer, tmp_path: Path) -> None:
    _, rdf = package_zip(tmp_path, license="my-own-license")
    (tmp_path / "pkg" / rdf["test_outputs"][0]).unlink()
    data = zip_folder(tmp_path / "pkg", tmp_path / "worse.zip").read_bytes()
    with browser(server, "uma") as client:
        r = _post_zip(client, data, Page(client.get("/upload").text).csrf)
        assert r.status_code == 422
        page = Page(r.text)
        assert page.by_id("license")["aria-invalid"] == "true"
        assert page.has_id("package-problems")
        assert f"the file &#39;{rdf['test_outputs'][0]}&#39; is not in the package" in page.html


def test_the_fix_form_corrects_the_description_and_the_upload_is_accepted(
    server: LiveServer, bad_package: tuple[bytes, dict[str, Any]]
) -> None:
    data, original = bad_package
    with browser(server, "uma") as client:
        csrf = Page(client.get("/upload").text).csrf
        page = Page(_post_zip(client, data, csrf, change_note="first try").text)
        sent = page.form_data("fix-form")
        values = dict(sent)
        assert values["name"] == original["name"] and values["license"] == ""
        assert values["covers"] == "cover.png" and values["documentation"] == "README.md"
        assert values["change_note"] == "first try"
        form = [
            *((k, v) for k, v in sent if k not in ("license", "authors-0-name", "authors-0-orcid")),
            ("license", "CC-BY-4.0"),
            ("authors-0-name", "Ada Lovelace"),
            ("authors-0-orcid", "0000-0002-1825-0097"),
        ]
        preview = _fix(client, [*form, ("intent", "preview")])
        assert preview.status_code == 200, preview.text
        assert Page(preview.text).has_id("checked") and "license: CC-BY-4.0" in preview.text
        assert table_count(server.hub, "resources") == 0  # a preview stores nothing
        forged = _fix(client, [(k, "x" if k == "csrf" else v) for k, v in form])
        assert forged.status_code == 403
        done = _fix(client, [*form, ("intent", "upload")])
        assert done.status_code == 303, done.text
        rid = done.headers["location"].removeprefix("/upload/").split("?")[0]
        assert done.headers["location"] == f"/upload/{rid}?done=uploaded"
        again = _fix(client, [*form, ("intent", "upload")])
        assert again.status_code == 404  # the staged package is gone once accepted
        served = client.get(f"/artifacts/{rid}/draft/files/rdf.yaml")
        assert served.status_code == 200
    stored = yaml.safe_load(served.text)
    assert stored["license"] == "CC-BY-4.0"
    assert stored["authors"] == [{"name": "Ada Lovelace", "orcid": "0000-0002-1825-0097"}]
    for key, value in original.items():
        if key not in ("license", "authors"):
            assert stored[key] == value, key
    assert not list(server.hub.settings.staging_dir.glob("wizard-*"))
    assert table_count(server.hub, "resource_versions") == 1


def test_an_identical_upload_is_answered_on_the_page(server: LiveServer, good_zip: bytes) -> None:
    with browser(server, "uma") as client:
        csrf = Page(client.get("/upload").text).csrf
        first = _post_zip(client, good_zip, csrf)
        assert first.status_code == 303, first.text
        rid = first.headers["location"].removeprefix("/upload/").split("?")[0]
        again = _post_zip(client, good_zip, csrf, resource_id=rid)
        assert again.status_code == 409
        page = Page(again.text)
        assert page.has_id("package-problems") and not page.has_id("fix-form")
        assert f"This package is identical to {rid} draft" in page.html
        twin = client.post(
            "/upload?format=json",
            data={"csrf": csrf},
            files={"file": ("model.zip", good_zip, "application/zip")},
        )
        assert twin.status_code == 409 and twin.json()["code"] == "identical_upload"
    assert table_count(server.hub, "resource_versions") == 1
    assert not list(server.hub.settings.staging_dir.iterdir())
