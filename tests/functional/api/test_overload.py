"""Crowds: a streamed package zip holds no database connection, an exhausted connection pool
and too many requests in flight are answered 503 with Retry-After and the error shape at once.

The hub here has ONE pooled connection and admits ONE request at a time (until its answer
starts), so any connection or slot a streaming download kept would show."""

from __future__ import annotations

import hashlib
import io
import os
import socket
import zipfile
from pathlib import Path

import httpx
import pytest

from modelhub.config import Settings
from tests.conftest import OVERRIDE, LiveServer, auth

# far more than loopback socket buffers and the server's write buffer hold: a client that has
# read only the first chunk leaves the server in the middle of sending the zip
BIG = 48 * 1024 * 1024
OVERLOADED = {
    "error": {
        "code": "overloaded",
        "message": "The hub is busy right now; please try again in a few seconds.",
        "details": [],
    }
}


@pytest.fixture
def settings(settings: Settings) -> Settings:
    settings.db_pool_size = 1
    settings.db_pool_timeout_s = 1
    settings.max_requests_in_flight = 1
    settings.retry_after_s = 7
    # the in-memory search copy rebuilds in a background thread that would take the connection
    settings.search_memory = False
    return settings


def _dataset_zip(tmp: Path) -> tuple[bytes, str]:
    """A valid dataset package with one large attachment; returns the zip and its sha256."""
    blob = os.urandom(1024 * 1024) * (BIG // (1024 * 1024))
    rdf = (
        "format_version: 0.3.0\ntype: dataset\nname: Big data\n"
        "description: A large attachment to stream.\nlicense: CC0-1.0\n"
        "documentation: README.md\nauthors:\n  - name: Ada Lovelace\n"
        "cite:\n  - text: Data\n    doi: 10.5281/zenodo.1234567\ntags: [test]\n"
        "attachments:\n  - source: images.bin\n"
    )
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_STORED) as zf:
        zf.writestr("rdf.yaml", rdf)
        zf.writestr("README.md", "# Big data\n")
        zf.writestr("images.bin", blob)
    return buffer.getvalue(), hashlib.sha256(blob).hexdigest()


def _published(http: httpx.Client, token: str, tmp: Path) -> tuple[str, str]:
    package, digest = _dataset_zip(tmp)
    up = http.post(
        "/api/v1/uploads",
        content=package,
        headers={**auth(token), "content-type": "application/zip"},
    )
    assert up.status_code == 201, up.text
    rid: str = up.json()["resource_id"]
    published = http.post(f"/api/v1/resources/{rid}/publish", headers=auth(token), json=OVERRIDE)
    assert published.status_code == 201, published.text
    return rid, digest


def test_streamed_zip_holds_no_connection_nor_admission_slot(
    server: LiveServer, http: httpx.Client, admin_token: str, tmp_path: Path
) -> None:
    rid, digest = _published(http, admin_token, tmp_path)
    url = f"{server.url}/artifacts/{rid}/v1/package.zip"
    with httpx.Client(timeout=60) as slow, slow.stream("GET", url) as download:
        assert download.status_code == 200
        chunks = download.iter_raw(64 * 1024)
        first = next(chunks)
        # the zip is mid-stream: the only connection is back in the pool and the only
        # admission slot is free, so requests that need the database are answered
        assert server.hub.engine.pool.checkedout() == 0  # type: ignore[attr-defined]
        listed = http.get("/api/v1/resources")
        assert listed.status_code == 200
        assert [item["id"] for item in listed.json()["items"]] == [rid]
        card = http.get(f"/resources/{rid}")
        assert card.status_code == 200
        rest = b"".join(chunks)
    with zipfile.ZipFile(io.BytesIO(first + rest)) as archive:
        assert sorted(archive.namelist()) == ["README.md", "images.bin", "rdf.yaml"]
        assert hashlib.sha256(archive.read("images.bin")).hexdigest() == digest


def test_exhausted_pool_answers_503_with_retry_after(
    server: LiveServer, http: httpx.Client
) -> None:
    with server.hub.engine.connect():  # the pool's only connection, held elsewhere
        busy = http.get("/api/v1/resources")
        page = http.get("/", headers={"accept": "application/json"})
    assert busy.status_code == 503
    assert busy.headers["retry-after"] == "7"
    assert busy.json() == OVERLOADED
    assert page.status_code == 503
    assert page.headers["retry-after"] == "7"
    assert page.json() == OVERLOADED
    again = http.get("/api/v1/resources")
    assert again.status_code == 200
    assert again.json()["items"] == []


def _stalled_request(url: str) -> socket.socket:
    """A request whose body has not come yet: the route waits for it, holding the one slot.
    Returns once the app is reading it (the server says "100 Continue" when the app first asks
    for the body)."""
    host, port = url.removeprefix("http://").split(":")
    sock = socket.create_connection((host, int(port)), timeout=30)
    sock.sendall(
        b"POST /api/v1/resources/nobody/publish HTTP/1.1\r\nhost: " + host.encode() + b"\r\n"
        b"content-type: application/json\r\ncontent-length: 2\r\nexpect: 100-continue\r\n\r\n"
    )
    received = b""
    while not received.endswith(b"\r\n\r\n"):
        received += sock.recv(1)
    assert received == b"HTTP/1.1 100 Continue\r\n\r\n"
    return sock


def test_admission_limit_answers_503_at_once(server: LiveServer, http: httpx.Client) -> None:
    stalled = _stalled_request(server.url)
    try:
        refused = http.get("/api/v1/resources")
        assert refused.status_code == 503
        assert refused.headers["retry-after"] == "7"
        assert refused.headers["content-type"] == "application/json"
        assert refused.json() == OVERLOADED
        stalled.sendall(b"{}")
        answer = stalled.recv(4096)
        # the body came: that request is answered as usual (no token: 401)
        assert answer.startswith(b"HTTP/1.1 401 ")
    finally:
        stalled.close()
    admitted = http.get("/api/v1/resources")
    assert admitted.status_code == 200
    assert admitted.json()["items"] == []
