"""Request bodies outside the upload routes are limited before anything reads them (413
``body_too_large``, also for anonymous callers and chunked bodies); the upload routes keep
their own, larger limits."""

from __future__ import annotations

import io
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
from sqlalchemy import func, select

from modelhub.accounts.models import ApiToken
from modelhub.app import create_app
from modelhub.cli.packing import zip_folder
from modelhub.config import Settings
from modelhub.demo.builder import build_package
from modelhub.web.limits import STREAMING_UPLOADS, is_streaming_upload
from tests.conftest import LiveServer, auth

MIB = 1024 * 1024


def _refused(r: httpx.Response) -> None:
    assert r.status_code == 413, r.text
    assert r.json()["error"]["code"] == "body_too_large"
    assert r.json()["error"]["details"] == []


def _chunks(total: int, size: int = 64 * 1024) -> Iterator[bytes]:
    sent = 0
    while sent < total:
        piece = min(size, total - sent)
        sent += piece
        yield b" " * piece


def _tokens(server: LiveServer) -> int:
    with server.hub.sessions() as db:
        return db.scalar(select(func.count()).select_from(ApiToken)) or 0


def test_an_anonymous_oversized_body_is_refused_before_authentication(
    http: httpx.Client, server: LiveServer
) -> None:
    assert server.hub.settings.max_body_bytes == MIB  # the default
    big = json.dumps({"name": "x" * (2 * MIB)})
    # without the limit this anonymous call would be answered 401 after reading the body
    _refused(http.post("/api/v1/tokens", content=big, headers={"content-type": "application/json"}))
    _refused(http.post("/api/v1/users", content=big, headers={"content-type": "application/json"}))
    _refused(http.post("/login", content=b"username=" + b"a" * (2 * MIB)))
    assert http.post("/api/v1/tokens", json={"name": "x"}).status_code == 401


def test_a_chunked_body_is_counted_and_refused_once_past_the_limit(
    http: httpx.Client, server: LiveServer, member_token: str
) -> None:
    before = _tokens(server)
    # no Content-Length: the body is counted while the route reads it
    r = http.post(
        "/api/v1/tokens",
        content=_chunks(3 * MIB),
        headers={**auth(member_token), "content-type": "application/json"},
    )
    assert "content-length" not in r.request.headers
    _refused(r)
    assert _tokens(server) == before
    # a page form read the same way
    form = {"content-type": "application/x-www-form-urlencoded"}
    _refused(http.post("/login", content=_chunks(2 * MIB), headers=form))


def test_bodies_up_to_the_limit_are_read(
    http: httpx.Client, server: LiveServer, member_token: str
) -> None:
    server.hub.settings.max_body_bytes = 200
    body = json.dumps({"name": "laptop"}).encode()
    padded = body + b" " * (200 - len(body))  # exactly the limit
    created = http.post(
        "/api/v1/tokens",
        content=padded,
        headers={**auth(member_token), "content-type": "application/json"},
    )
    assert created.status_code == 201, created.text
    chunked = http.post(
        "/api/v1/tokens",
        content=iter([padded[:100], padded[100:]]),
        headers={**auth(member_token), "content-type": "application/json"},
    )
    assert chunked.status_code == 201, chunked.text
    over = http.post(
        "/api/v1/tokens",
        content=iter([padded[:100], padded[100:], b" "]),
        headers={**auth(member_token), "content-type": "application/json"},
    )
    _refused(over)
    assert _tokens(server) == 3  # the member's first token and the two created here


def test_upload_routes_keep_their_own_limits(
    http: httpx.Client, server: LiveServer, member_token: str, tmp_path: Path
) -> None:
    server.hub.settings.max_body_bytes = 1024
    built = build_package("dataset-0.5", tmp_path / "ds", seed=1)
    archive = zip_folder(built.root, tmp_path / "ds.zip").read_bytes()
    assert len(archive) > 1024
    headers = {**auth(member_token), "content-type": "application/zip"}
    accepted = http.post("/api/v1/uploads", content=archive, headers=headers)
    assert accepted.status_code == 201, accepted.text
    # the bioimage.io-compatible staged upload: its file PUT is an upload route too
    base = "/public/services/artifact-manager"
    staged = http.post(
        f"{base}/create",
        json={"parent_id": "bioimage-io/bioimage.io", "type": "dataset",
              "manifest": {"name": "x" * 2000}, "version": "stage"},
        headers=auth(member_token),
    )  # fmt: skip
    assert staged.status_code == 201, staged.text
    url = http.post(
        f"{base}/put_file",
        json={"artifact_id": staged.json()["id"], "file_path": "data.bin"},
        headers=auth(member_token),
    ).json()
    put = httpx.put(url, files={"f": io.BytesIO(b"\0" * 4096)}, headers={"Content-Type": ""})
    assert put.status_code == 200 and put.json()["size"] == 4096
    # and the upload's own limit still holds: 413 upload_too_large, not body_too_large
    server.hub.settings.max_upload_bytes = 2048
    too_big = http.post("/api/v1/uploads", content=archive, headers=headers)
    assert too_big.status_code == 413
    assert too_big.json()["error"]["code"] == "upload_too_large"


def _routes(routes: list[Any]) -> set[tuple[str, str]]:
    """(method, path) of every route, also inside included routers."""
    found: set[tuple[str, str]] = set()
    for route in routes:
        inner = getattr(route, "original_router", None)
        if inner is not None:
            found |= _routes(inner.routes)
        for method in getattr(route, "methods", None) or ():
            found.add((method, route.path))
    return found


def test_only_the_upload_routes_are_exempt(tmp_path: Path) -> None:
    app = create_app(Settings(data_dir=tmp_path))
    routes = _routes(app.routes)
    assert ("POST", "/api/v1/tokens") in routes and ("POST", "/login") in routes
    exempt = {(m, p) for m, p in routes if is_streaming_upload(m, p.replace("{key}", "k1"))}
    assert exempt == {
        ("POST", "/api/v1/uploads"),
        ("POST", "/upload"),
        ("POST", "/upload/fix"),
        ("PUT", "/public/services/artifact-manager/files/{key}"),
        ("POST", "/public/services/artifact-manager/create"),
        ("POST", "/public/services/artifact-manager/put_file"),
        ("POST", "/public/services/artifact-manager/edit"),
        # images to run a model on, read under the prediction limits after the caller is known
        ("POST", "/api/v1/resources/{resource_id:rid}/predictions"),
        ("POST", "/resources/{resource_id:rid}/predict"),
    }
    assert len(STREAMING_UPLOADS) == 7
    # near misses are limited
    assert not is_streaming_upload("POST", "/upload/abc/submit")
    assert not is_streaming_upload("GET", "/api/v1/uploads")
    assert not is_streaming_upload("POST", "/api/v1/uploads/x")
