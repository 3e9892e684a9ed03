"""Hostile and malformed uploads over real HTTP: each is refused with a 4xx and a clear message,
the data directory gains no file, no row is written, and no address named in a description is
ever contacted."""

from __future__ import annotations

import io
import socket
import threading
import zipfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import func, select

from modelhub.app import build_hub
from modelhub.catalog.models import Resource, ResourceVersion, VersionFile
from modelhub.storage.models import Blob
from tests.conftest import (
    LiveServer,
    auth,
    files_under,
    hub_settings,
    make_user,
    serving_in_thread,
)

JSON = "application/json"
# the shared server unpacks at most this much: the bomb's 400 MB exceed it, the good package not
UNPACK_LIMIT = 64 << 20
TEST_INPUT_SHA = "92768a2e0f2643c80b57afa5494019a5aafe5b0d92fe36ae740763adf3594a57"


class Listener:
    """A TCP listener on loopback that counts connection attempts."""

    def __init__(self) -> None:
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(8)
        self.sock.settimeout(0.2)
        self.port = self.sock.getsockname()[1]
        self.connections = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._accept, daemon=True)
        self._thread.start()

    def _accept(self) -> None:
        while not self._stop.is_set():
            try:
                conn, _ = self.sock.accept()
            except TimeoutError:
                continue
            self.connections += 1
            conn.close()

    def close(self) -> None:
        self._stop.set()
        self._thread.join()
        self.sock.close()


def _zip(entries: dict[str, bytes]) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zf:
        for name, data in entries.items():
            zf.writestr(name, data)
    return buf.getvalue()


def _package(shared: Path, edit: Callable[[str], str] | None = None) -> dict[str, bytes]:
    files = {p.name: p.read_bytes() for p in shared.iterdir()}
    if edit is not None:
        files["bioimageio.yaml"] = edit(files["bioimageio.yaml"].decode()).encode()
    return files


def _bomb() -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as zf:
        with zf.open("rdf.yaml", "w") as out:
            out.write(b"type: model\n")
        with zf.open("weights.bin", "w", force_zip64=True) as out:
            block = b"\0" * (1024 * 1024)
            for _ in range(400):  # 400 MB of zeros: about 400 KB compressed
                out.write(block)
    return buf.getvalue()


def _symlink(shared: Path) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        for name, data in _package(shared).items():
            zf.writestr(name, data)
        link = zipfile.ZipInfo("cover0.png.lnk")
        link.external_attr = 0o120777 << 16
        zf.writestr(link, "/etc/passwd")
    return buf.getvalue()


def _encrypted(shared: Path) -> bytes:
    raw = bytearray(_zip(_package(shared)))
    # set the "encrypted" flag of every entry, in local headers and the central directory
    for signature, offset in ((b"PK\x03\x04", 6), (b"PK\x01\x02", 8)):
        start = 0
        while (at := raw.find(signature, start)) != -1:
            raw[at + offset] |= 0x01
            start = at + 4
    return bytes(raw)


CASES: dict[str, Callable[[Path, int], bytes]] = {
    "not a zip": lambda s, p: b"this is not a zip file at all",
    "path traversal": lambda s, p: _zip({**_package(s), "../evil.txt": b"x"}),
    "absolute path": lambda s, p: _zip({**_package(s), "/tmp/evil.txt": b"x"}),
    "backslash path": lambda s, p: _zip({**_package(s), "..\\evil.txt": b"x"}),
    "symlink": lambda s, p: _symlink(s),
    "duplicate names": lambda s, p: _duplicate(s),
    "encrypted entries": lambda s, p: _encrypted(s),
    "zip bomb": lambda s, p: _bomb(),
    "no description": lambda s, p: _zip({"weights.pt": b"x"}),
    "yaml python tag": lambda s, p: _zip(
        {**_package(s), "bioimageio.yaml": b"name: !!python/object/apply:os.system ['id']\n"}
    ),
    "billion laughs": lambda s, p: _zip({"rdf.yaml": _laughs()}),
    "unknown type": lambda s, p: _zip(
        _package(s, lambda t: t.replace("type: model", "type: spaceship"))
    ),
    "license not SPDX": lambda s, p: _zip(
        _package(s, lambda t: t.replace("license: MIT", "license: do whatever you want"))
    ),
    "wrong sha256": lambda s, p: _zip({**_package(s), "weights.pt": b"other weights"}),
    "missing weights": lambda s, p: _zip(
        {k: v for k, v in _package(s).items() if k != "weights.onnx"}
    ),
    "remote cover": lambda s, p: _zip(
        _package(s, lambda t: t.replace("- cover0.png", f"- http://127.0.0.1:{p}/cover.png"))
    ),
    "remote weights": lambda s, p: _zip(
        _package(
            s, lambda t: t.replace("source: weights.onnx", f"source: http://127.0.0.1:{p}/w.onnx")
        )
    ),
    # without the sha256 line, so that the tensor check itself must catch the pickle
    "pickled test tensor": lambda s, p: _zip(
        {
            **_package(s, lambda t: t.replace(f"    sha256: {TEST_INPUT_SHA}\n", "")),
            "test_input.npy": _pickled(),
        }
    ),
}


def _duplicate(shared: Path) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        for name, data in _package(shared).items():
            zf.writestr(name, data)
        with pytest.warns(UserWarning, match="Duplicate name"):  # zipfile warns, rightly
            zf.writestr("weights.pt", b"second copy")
    return buf.getvalue()


def _laughs() -> bytes:
    lines = ["a: &a ['lol','lol','lol','lol','lol','lol','lol','lol','lol']"]
    for i in range(1, 9):
        prev = chr(ord("a") + i - 1)
        cur = chr(ord("a") + i)
        lines.append(f"{cur}: &{cur} [*{prev},*{prev},*{prev},*{prev},*{prev},*{prev},*{prev}]")
    return ("\n".join(lines) + "\ntype: model\n").encode()


def _pickled() -> bytes:
    import numpy as np

    buf = io.BytesIO()
    np.save(buf, np.array([{"evil": 1}], dtype=object), allow_pickle=True)
    return buf.getvalue()


@dataclass(frozen=True)
class Refusal:
    """What one hostile upload got, and what it left behind."""

    status: int
    error: dict[str, Any]
    text: str
    new_files: set[str]
    rows: dict[str, int]
    connections: int


@pytest.fixture(scope="module")
def shared_server(
    migrated_template: str, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[tuple[LiveServer, str]]:
    """One server (and a member's token) for the whole module: the good upload at the end goes
    to the very server that refused every hostile one."""
    settings = hub_settings(migrated_template, tmp_path_factory.mktemp("hostile"))
    settings.max_unpacked_bytes = UNPACK_LIMIT
    hub = build_hub(settings)
    try:
        with serving_in_thread(hub) as live:
            yield live, make_user(hub, "mo")
    finally:
        hub.engine.dispose()


@pytest.fixture(scope="module")
def refusals(
    shared_server: tuple[LiveServer, str], shared_model_dir: Path
) -> Iterator[dict[str, Refusal]]:
    """Every hostile case sent once, in turn, to the shared server."""
    server, token = shared_server
    listener = Listener()
    data_dir = server.hub.settings.data_dir
    got: dict[str, Refusal] = {}
    try:
        with httpx.Client(base_url=server.url, timeout=60) as http:
            for case in sorted(CASES):
                before = files_under(data_dir)
                r = http.post(
                    "/api/v1/uploads",
                    content=CASES[case](shared_model_dir, listener.port),
                    headers={**auth(token), "content-type": "application/zip"},
                )
                with server.hub.sessions() as db:
                    rows = {
                        table.__tablename__: db.scalar(select(func.count()).select_from(table)) or 0
                        for table in (Resource, ResourceVersion, VersionFile, Blob)
                    }
                error = r.json().get("error", {}) if r.headers.get("content-type") == JSON else {}
                new_files = files_under(data_dir) - before
                got[case] = Refusal(
                    r.status_code, error, r.text, new_files, rows, listener.connections
                )
        yield got
    finally:
        listener.close()


# the exact answer to each case: the HTTP status and the error code
EXPECTED: dict[str, tuple[int, str]] = {
    "absolute path": (422, "unsafe_path"),
    "backslash path": (422, "unsafe_path"),
    "billion laughs": (422, "invalid_yaml"),
    "duplicate names": (422, "duplicate_entry"),
    "encrypted entries": (422, "encrypted_entry"),
    "license not SPDX": (422, "invalid_description"),
    "missing weights": (422, "missing_file"),
    "no description": (422, "missing_description"),
    "not a zip": (422, "not_a_zip"),
    "path traversal": (422, "unsafe_path"),
    "pickled test tensor": (422, "invalid_test_tensor"),
    "remote cover": (422, "external_reference"),
    "remote weights": (422, "external_reference"),
    "symlink": (422, "unsafe_entry"),
    "unknown type": (422, "invalid_description"),
    "wrong sha256": (422, "hash_mismatch"),
    "yaml python tag": (422, "invalid_yaml"),
    "zip bomb": (413, "too_large"),
}


def test_every_case_has_its_expected_answer() -> None:
    assert sorted(EXPECTED) == sorted(CASES)


@pytest.mark.parametrize("case", sorted(CASES))
def test_hostile_upload_is_refused_and_leaves_nothing(
    case: str, refusals: dict[str, Refusal]
) -> None:
    got = refusals[case]
    assert (got.status, got.error.get("code")) == EXPECTED[case], got.text
    assert len(got.error["message"]) > 20, got.error
    assert "Traceback" not in got.text
    assert got.new_files == set()
    assert got.rows == {"resources": 0, "resource_versions": 0, "version_files": 0, "blobs": 0}
    assert got.connections == 0


def test_a_good_upload_still_works_after_the_hostile_ones(
    shared_server: tuple[LiveServer, str],
    refusals: dict[str, Refusal],
    shared_model_dir: Path,
) -> None:
    server, token = shared_server
    assert sorted(refusals) == sorted(CASES)  # every hostile case went to this server first
    with httpx.Client(base_url=server.url, timeout=60) as http:
        r = http.post(
            "/api/v1/uploads",
            content=_zip(_package(shared_model_dir)),
            headers={**auth(token), "content-type": "application/zip"},
        )
    assert r.status_code == 201, r.text
    with server.hub.sessions() as db:
        assert db.scalar(select(func.count()).select_from(Resource)) == 1
