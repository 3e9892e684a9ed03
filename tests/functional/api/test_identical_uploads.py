"""An upload that changes nothing is refused (409 ``identical_upload``) naming what the hub
holds already, and nothing is stored; a package with one byte changed is accepted."""

from __future__ import annotations

import io
import zipfile

import httpx

from tests.conftest import OVERRIDE, LiveServer, auth, files_under, make_user
from tests.functional.uploads_pages.common import table_count

RDF = (
    "format_version: 0.3.0\ntype: dataset\nname: Same data\n"
    "description: A dataset uploaded again.\nlicense: CC0-1.0\n"
    "documentation: README.md\nauthors:\n  - name: Ada Lovelace\n"
    "cite:\n  - text: Data\n    doi: 10.5281/zenodo.1234567\ntags: [test]\n"
)
TABLES = ("resources", "resource_versions", "version_files", "blobs", "domain_events", "jobs")


def _zip(readme: str = "# Same data\n", rdf: str = RDF, level: int = zipfile.ZIP_STORED) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", level) as zf:
        zf.writestr("rdf.yaml", rdf)
        zf.writestr("README.md", readme)
    return buffer.getvalue()


def _upload(http: httpx.Client, token: str, package: bytes, **params: str) -> httpx.Response:
    return http.post(
        "/api/v1/uploads",
        content=package,
        params=params,
        headers={**auth(token), "content-type": "application/zip"},
    )


def _identical(r: httpx.Response, named: str) -> str:
    assert r.status_code == 409, r.text
    error = r.json()["error"]
    assert error["code"] == "identical_upload"
    assert named in error["message"] and "nothing was stored" in error["message"]
    assert error["details"][0]["loc"] == ["package"]
    message: str = error["message"]
    return message


def test_an_identical_package_is_refused_and_nothing_is_stored(
    server: LiveServer, http: httpx.Client, admin_token: str
) -> None:
    hub = server.hub
    up = _upload(http, admin_token, _zip())
    assert up.status_code == 201, up.text
    rid = up.json()["resource_id"]
    published = http.post(
        f"/api/v1/resources/{rid}/publish", headers=auth(admin_token), json=OVERRIDE
    )
    assert published.status_code == 201, published.text
    yank = http.post(
        f"/api/v1/resources/{rid}/versions/v1/yank", json={"reason": "wrong"},
        headers=auth(admin_token),
    )  # fmt: skip
    assert yank.status_code == 200, yank.text
    rows = {t: table_count(hub, t) for t in TABLES}
    stored = files_under(hub.settings.resolved_storage_dir)

    # the same bytes as a revision, and as a new resource; a downloaded copy (the hub's id and
    # version written in, zipped anew) is the same package too
    same = f"{rid} v1 (published, since yanked)"
    _identical(_upload(http, admin_token, _zip(), resource_id=rid), same)
    _identical(_upload(http, admin_token, _zip()), same)
    written = RDF.replace("type: dataset\n", f"type: dataset\nid: {rid}\nversion: 1\n")
    _identical(_upload(http, admin_token, _zip(rdf=written, level=zipfile.ZIP_DEFLATED)), same)
    assert {t: table_count(hub, t) for t in TABLES} == rows
    assert files_under(hub.settings.resolved_storage_dir) == stored
    assert not list(hub.settings.staging_dir.iterdir())

    # one byte of a document changed: a new draft; the same again names that draft
    changed = _zip(readme="# Same data!\n")
    draft = _upload(http, admin_token, changed, resource_id=rid)
    assert draft.status_code == 201, draft.text
    _identical(_upload(http, admin_token, changed, resource_id=rid), f"{rid} draft (a draft")
    # someone else's draft is not named to a person who may not see it
    other = make_user(hub, "mallory")
    assert _upload(http, other, changed).status_code == 201
