"""Hostile and malformed uploads over real HTTP: each is refused with a 4xx and a clear message,
the data directory gains no file, no row is written, and no address named in a description is
ever contacted."""

from __future__ import annotations

import io
import shutil
import socket
import threading
import zipfile
from collections.abc import Callable, Iterator
from pathlib import Path

import httpx
import pytest
from sqlalchemy import func, select

from modelhub.catalog.models import Resource, ResourceVersion, VersionFile
from modelhub.storage.models import Blob
from tests.conftest import LiveServer, auth, files_under

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


@pytest.fixture
def listener() -> Iterator[Listener]:
    got = Listener()
    yield got
    got.close()


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


@pytest.mark.parametrize("case", sorted(CASES))
def test_hostile_upload_is_refused_and_leaves_nothing(
    case: str,
    http: httpx.Client,
    server: LiveServer,
    member_token: str,
    shared_model_dir: Path,
    listener: Listener,
) -> None:
    body = CASES[case](shared_model_dir, listener.port)
    data_dir = server.hub.settings.data_dir
    before = files_under(data_dir)
    r = http.post(
        "/api/v1/uploads",
        content=body,
        headers={**auth(member_token), "content-type": "application/zip"},
    )
    assert 400 <= r.status_code < 500, (case, r.status_code, r.text)
    error = r.json()["error"]
    assert error["code"] and len(error["message"]) > 20, error
    if case == "pickled test tensor":
        assert error["code"] == "invalid_test_tensor", error
    assert "Traceback" not in r.text
    assert files_under(data_dir) == before
    with server.hub.sessions() as db:
        for table in (Resource, ResourceVersion, VersionFile, Blob):
            assert db.scalar(select(func.count()).select_from(table)) == 0
    assert listener.connections == 0


def test_a_good_upload_still_works_after_the_hostile_ones(
    http: httpx.Client, member_token: str, shared_model_dir: Path, tmp_path: Path
) -> None:
    work = tmp_path / "ok"
    shutil.copytree(shared_model_dir, work)
    r = http.post(
        "/api/v1/uploads",
        content=_zip(_package(work)),
        headers={**auth(member_token), "content-type": "application/zip"},
    )
    assert r.status_code == 201, r.text
