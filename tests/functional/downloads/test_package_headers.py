"""Every answer carrying package bytes, on every route, draft or published, file or zip, local
or streamed storage: the exact type, disposition and protective headers, with the same bytes,
ETags, ranges and conditional answers the bioimage.io clients rely on."""

from __future__ import annotations

import hashlib
from pathlib import Path

import httpx
import pytest

from modelhub.hub import Hub
from modelhub.storage.local import LocalStorage
from tests.conftest import LiveServer, auth
from tests.functional.downloads.common import (
    PACKAGE_HEADERS,
    SERVED_AS,
    assert_headers,
    hostile_package,
    package_files,
    publish,
    tags,
    upload,
)

IMMUTABLE = "public, max-age=31536000, immutable"


@pytest.fixture(scope="module")
def hostile(tmp_path_factory: pytest.TempPathFactory) -> bytes:
    return hostile_package(tmp_path_factory.mktemp("hostile"))


def _file_urls(rid: str, label: str) -> list[tuple[str, dict[str, str]]]:
    """(address template with {path}, query) of every route serving one file of ``label``."""
    if label == "draft":
        latest = (f"/artifacts/{rid}/files/{{path}}", {"version": "draft"})
    else:
        latest = (f"/artifacts/{rid}/files/{{path}}", {})
    return [
        latest,
        (f"/artifacts/{rid}/{label}/files/{{path}}", {}),
        (f"/api/v1/resources/{rid}/versions/{label}/files/{{path}}", {}),
    ]


def _zip_urls(rid: str, label: str) -> list[tuple[str, dict[str, str]]]:
    latest_query = {"version": "draft"} if label == "draft" else {}
    return [
        (f"/artifacts/{rid}/package.zip", latest_query),
        (f"/artifacts/{rid}/{label}/package.zip", {}),
        (f"/api/v1/resources/{rid}/versions/{label}/package.zip", {}),
    ]


def _check_files(
    http: httpx.Client, rid: str, label: str, files: dict[str, bytes], headers: dict[str, str]
) -> None:
    for template, query in _file_urls(rid, label):
        for path, (content_type, disposition) in SERVED_AS.items():
            url = template.format(path=path)
            data = files[path]
            sha = hashlib.sha256(data).hexdigest()
            # a named published version never changes; "latest" and drafts may
            named = label != "draft" and "/files/" in url and f"/{label}/" in url
            expected = {
                "content-type": content_type,
                "content-disposition": disposition,
                "etag": f'"{sha}"',
                "cache-control": IMMUTABLE if named else "no-cache",
                "content-length": str(len(data)),
                **PACKAGE_HEADERS,
            }
            full = http.get(url, params=query, headers=headers)
            assert full.status_code == 200 and full.content == data, url
            assert_headers(full, expected)
            head = http.head(url, params=query, headers=headers)
            assert head.status_code == 200 and head.content == b""
            assert_headers(head, expected)
            if len(data) > 10:
                part = http.get(url, params=query, headers={**headers, "range": "bytes=2-9"})
                assert part.status_code == 206 and part.content == data[2:10]
                assert part.headers["content-range"] == f"bytes 2-9/{len(data)}"
                assert_headers(part, {**expected, "content-length": "8"})
            same = http.get(url, params=query, headers={**headers, "if-none-match": f'"{sha}"'})
            assert same.status_code == 304 and same.content == b""
            assert_headers(same, {k: expected[k] for k in ("etag", "cache-control")})
            assert_headers(same, PACKAGE_HEADERS)


def _check_zips(
    http: httpx.Client, rid: str, label: str, files: dict[str, bytes], headers: dict[str, str]
) -> None:
    bodies = set()
    for url, query in _zip_urls(rid, label):
        expected = {
            "content-type": "application/zip",
            "content-disposition": f'attachment; filename="{rid}-{label}.zip"',
            "cache-control": "no-cache",
            **PACKAGE_HEADERS,
        }
        full = http.get(url, params=query, headers=headers)
        assert full.status_code == 200, url
        assert_headers(full, expected)
        assert package_files(full.content).keys() >= SERVED_AS.keys()
        assert all(package_files(full.content)[p] == files[p] for p in SERVED_AS)
        length = str(len(full.content))
        assert full.headers["content-length"] == length  # worked out before streaming
        bodies.add(full.content)
        head = http.head(url, params=query, headers=headers)
        assert head.status_code == 200 and head.content == b""
        assert_headers(head, {**expected, "etag": full.headers["etag"], "content-length": length})
        etag = full.headers["etag"]
        same = http.get(url, params=query, headers={**headers, "if-none-match": etag})
        assert same.status_code == 304 and same.content == b""
        assert_headers(same, {"etag": etag, **PACKAGE_HEADERS})
    assert len(bodies) == 1  # the same deterministic bytes on every route


def test_draft_and_published_files_and_zips_never_run_on_the_hub(
    http: httpx.Client, admin_token: str, member_token: str, hostile: bytes
) -> None:
    rid = upload(http, member_token, hostile)
    served = {
        "rdf.yaml": http.get(
            f"/artifacts/{rid}/draft/files/rdf.yaml", headers=auth(admin_token)
        ).content
    }
    files = {**package_files(hostile), **served}
    for who in (admin_token, member_token):  # a reviewer, and the uploader
        _check_files(http, rid, "draft", files, auth(who))
        _check_zips(http, rid, "draft", files, auth(who))

    publish(http, admin_token, rid)
    files["rdf.yaml"] = http.get(f"/artifacts/{rid}/v1/files/rdf.yaml").content
    _check_files(http, rid, "v1", files, {})
    _check_zips(http, rid, "v1", files, {})


class _NoLocalFiles(LocalStorage):
    """Local storage that, like S3, offers no local file: answers are streamed."""

    def local_path(self, sha256: str) -> Path | None:
        return None


@pytest.fixture
def streaming_hub(hub: Hub) -> Hub:
    hub.storage = _NoLocalFiles(hub.settings.resolved_storage_dir)
    return hub


def test_streamed_files_have_the_same_headers_ranges_and_bytes(
    streaming_hub: Hub,
    server: LiveServer,
    http: httpx.Client,
    admin_token: str,
    member_token: str,
    hostile: bytes,
) -> None:
    rid = upload(http, member_token, hostile)
    publish(http, admin_token, rid)
    files = {
        **package_files(hostile),
        "rdf.yaml": http.get(f"/artifacts/{rid}/v1/files/rdf.yaml").content,
    }
    _check_files(http, rid, "v1", files, {})
    url = f"/artifacts/{rid}/v1/files/evil.html"
    size = len(files["evil.html"])
    refused = http.get(url, headers={"range": f"bytes={size + 5}-"})
    assert refused.status_code == 416 and refused.headers["content-range"] == f"bytes */{size}"
    assert_headers(refused, PACKAGE_HEADERS)


def test_the_card_shows_svg_covers_and_documentation_images_through_img_only(
    server: LiveServer, http: httpx.Client, admin_token: str, member_token: str, hostile: bytes
) -> None:
    rid = upload(http, member_token, hostile)
    for label in ("draft", "v1"):
        if label == "v1":
            publish(http, admin_token, rid)
        html = http.get(f"/resources/{rid}", params={"version": label}, headers=auth(admin_token))
        images = [a.get("src") for _, a in tags(html.text, "img")]
        files = f"{server.url}/artifacts/{rid}/{label}/files"
        # the SVG cover and the documentation's figure are <img> tags: images never run script
        assert images.count(f"{files}/cover.svg") == 2 and f"{files}/cover.png" in images
        links = [a.get("href") for _, a in tags(html.text, "a")]
        assert f"{files}/evil.html" in links  # a link (a download), from the documentation too
        # nothing of the package is embedded any other way
        assert tags(html.text, "iframe", "object", "embed", "frame") == []
        scripts = [a.get("src") for _, a in tags(html.text, "script")]
        assert all(s and s.startswith("/static/") for s in scripts)
