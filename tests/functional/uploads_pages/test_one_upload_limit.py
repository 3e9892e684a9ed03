"""One limit for every body that brings a package: ``POST /api/v1/uploads`` (raw or multipart)
and the wizard's ``POST /upload`` refuse a body over ``MODELHUB_MAX_UPLOAD_BYTES`` alike (413
``upload_too_large``), whether it declares its length or not, and keep nothing; zips and folders
under the limit are accepted on both."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass

import httpx
import pytest

from modelhub.app import build_hub
from modelhub.cli.packing import zip_folder
from modelhub.demo.builder import build_package
from tests.conftest import (
    LiveServer,
    auth,
    changed_description,
    changed_zip,
    files_under,
    hub_settings,
    make_user,
    serving_in_thread,
)
from tests.functional.uploads_pages.common import Page, browser, table_count

LIMIT = 96 * 1024  # a small real package fits; the bodies over it stay small for the test
FileParts = list[tuple[str, tuple[str, bytes, str]]]


@dataclass(frozen=True)
class Package:
    """One small real package, as a zip and as the files of its folder."""

    zip: bytes
    files: dict[str, bytes]


@pytest.fixture(scope="module")
def small_server(
    migrated_template: str, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[LiveServer]:
    """A hub started with ``MODELHUB_MAX_UPLOAD_BYTES`` set small in its environment."""
    with pytest.MonkeyPatch.context() as env:
        env.setenv("MODELHUB_MAX_UPLOAD_BYTES", str(LIMIT))
        settings = hub_settings(migrated_template, tmp_path_factory.mktemp("one-limit"))
    assert settings.max_upload_bytes == LIMIT
    hub = build_hub(settings)
    try:
        with serving_in_thread(hub) as live:
            yield live
    finally:
        hub.engine.dispose()


@pytest.fixture(scope="module")
def package(tmp_path_factory: pytest.TempPathFactory) -> Package:
    root = tmp_path_factory.mktemp("one-limit-pkg")
    folder = build_package("model-0.5-torchscript", root / "pkg", name="One limit model").root
    files = {p.relative_to(folder).as_posix(): p.read_bytes() for p in folder.rglob("*")
             if p.is_file()}  # fmt: skip
    return Package(zip=zip_folder(folder, root / "pkg.zip").read_bytes(), files=files)


def _variant(package: Package, mark: str) -> Package:
    """The package with its description changed: each upload below stores a package of its own
    (an identical one is refused)."""
    rdf = changed_description(package.files["rdf.yaml"].decode("utf-8"), mark).encode("utf-8")
    return Package(zip=changed_zip(package.zip, mark), files={**package.files, "rdf.yaml": rdf})


def _folder_parts(package: Package, top: str = "") -> FileParts:
    return [("files", (top + name, data, "application/octet-stream"))
            for name, data in sorted(package.files.items())]  # fmt: skip


def _multipart(fields: dict[str, str], files: FileParts) -> tuple[bytes, str]:
    """A multipart body as httpx encodes it, and its Content-Type (with the boundary)."""
    request = httpx.Request("POST", "http://hub.invalid/", data=fields, files=files)
    return request.read(), request.headers["content-type"]


def _unsized(body: bytes) -> Iterable[bytes]:
    """The body sent chunked: no Content-Length tells the hub its size in advance."""
    return (body[i : i + 8192] for i in range(0, len(body), 8192))


def _staged(server: LiveServer) -> list[str]:
    staging = server.hub.settings.staging_dir
    return sorted(p.name for p in staging.iterdir()) if staging.exists() else []


def _rows(server: LiveServer) -> dict[str, int]:
    return {t: table_count(server.hub, t) for t in ("resources", "resource_versions", "blobs")}


def test_a_body_over_the_limit_is_refused_alike_on_both_surfaces(
    small_server: LiveServer, package: Package
) -> None:
    server = small_server
    token = make_user(server.hub, "api-user")
    oversized = package.zip + b"\0" * (LIMIT + 1 - len(package.zip))
    raw = {**auth(token), "content-type": "application/zip"}
    api_form, api_type = _multipart({}, [("file", ("model.zip", oversized, "application/zip"))])
    before = files_under(server.hub.settings.data_dir)
    rows = _rows(server)
    answers: dict[str, tuple[int, str]] = {}
    with httpx.Client(base_url=server.url, timeout=60) as http:
        sent = {
            "api raw, declared": http.post("/api/v1/uploads", content=oversized, headers=raw),
            "api raw, unsized": http.post(
                "/api/v1/uploads", content=_unsized(oversized), headers=raw
            ),
            "api form, declared": http.post(
                "/api/v1/uploads", content=api_form,
                headers={**auth(token), "content-type": api_type},
            ),
            "api form, unsized": http.post(
                "/api/v1/uploads", content=_unsized(api_form),
                headers={**auth(token), "content-type": api_type},
            ),
        }  # fmt: skip
        answers |= {case: (r.status_code, r.json()["error"]["code"]) for case, r in sent.items()}
    with browser(server, "page-user") as client:
        csrf = Page(client.get("/upload").text).csrf
        padding = ("files", ("folder/padding.bin", b"\0" * LIMIT, "application/octet-stream"))
        parts = [*_folder_parts(package, "folder/"), padding]
        page_form, page_type = _multipart({"csrf": csrf}, parts)
        headers = {"content-type": page_type}
        for case, body in (("page, declared", page_form), ("page, unsized", _unsized(page_form))):
            r = client.post("/upload", params={"format": "json"}, content=body, headers=headers)
            answers[case] = (r.status_code, r.json()["code"])
        html = client.post("/upload", content=_unsized(page_form), headers=headers)
    assert answers == {
        "api raw, declared": (413, "upload_too_large"),
        "api raw, unsized": (413, "upload_too_large"),
        "api form, declared": (413, "upload_too_large"),
        "api form, unsized": (413, "upload_too_large"),
        "page, declared": (413, "upload_too_large"),
        "page, unsized": (413, "upload_too_large"),
    }
    assert html.status_code == 413
    assert "The upload is larger than this hub accepts (98.3 KB)." in html.text
    assert _staged(server) == []
    assert files_under(server.hub.settings.data_dir) == before
    assert _rows(server) == rows


def test_zips_and_folders_under_the_limit_are_accepted_on_both_surfaces(
    small_server: LiveServer, package: Package
) -> None:
    server = small_server
    token = make_user(server.hub, "api-uploader")
    resources = table_count(server.hub, "resources")
    folder = _variant(package, "Folder")
    folder_form, folder_type = _multipart({"change_note": "as a folder"}, _folder_parts(folder))
    assert len(package.zip) < len(folder_form) <= LIMIT
    with httpx.Client(base_url=server.url, timeout=60) as http:
        api = {
            "raw zip": http.post(
                "/api/v1/uploads", content=package.zip,
                headers={**auth(token), "content-type": "application/zip"},
            ),
            "form zip": http.post(
                "/api/v1/uploads", headers=auth(token),
                files={"file": ("model.zip", _variant(package, "Form").zip, "application/zip")},
            ),
            "form folder, unsized": http.post(
                "/api/v1/uploads", content=_unsized(folder_form),
                headers={**auth(token), "content-type": folder_type},
            ),
        }  # fmt: skip
    assert {case: r.status_code for case, r in api.items()} == dict.fromkeys(api, 201)
    assert api["form folder, unsized"].json()["files"] == len(folder.files)
    with browser(server, "page-uploader") as client:
        csrf = Page(client.get("/upload").text).csrf
        zipped = client.post(
            "/upload",
            data={"csrf": csrf},
            files={"file": ("model.zip", _variant(package, "Page").zip, "application/zip")},
        )
        # a chosen folder: its top-level directory is not part of the package
        chosen = client.post(
            "/upload",
            data={"csrf": csrf},
            files=_folder_parts(_variant(package, "Chosen"), "my-model/"),
        )
    for r in (zipped, chosen):
        assert r.status_code == 303, r.text
        assert r.headers["location"].endswith("?done=uploaded")
    assert table_count(server.hub, "resources") == resources + 5
    assert _staged(server) == []


def test_the_page_refuses_a_body_that_is_no_form_before_reading_it(
    small_server: LiveServer, package: Package
) -> None:
    with browser(small_server, "page-raw") as client:
        r = client.post(
            "/upload",
            params={"format": "json"},
            content=package.zip,
            headers={"content-type": "application/zip"},
        )
    assert (r.status_code, r.json()["code"]) == (400, "no_package")
    assert r.json()["message"] == "No package was chosen. Choose a .zip file or a folder to upload."
    assert _staged(small_server) == []
