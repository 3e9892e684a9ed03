"""The storage contract: what the hub relies on from any ``Storage``, run against every
implementation in ``IMPLEMENTATIONS`` (S3 against moto's S3 server on loopback). Behaviour of
one implementation only (the local directory's temporary files, its garbage-collection
guard; S3's multipart uploads) is tested beside it."""

from __future__ import annotations

import hashlib
import os
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from modelhub.storage.base import BlobMissing, Storage
from modelhub.storage.local import LocalStorage
from modelhub.storage.s3 import S3Storage
from tests.s3server import S3Server


def _s3(request: pytest.FixtureRequest, root: Path) -> Storage:
    server: S3Server = request.getfixturevalue("s3")
    return S3Storage(server.bucket, f"{root.name}/blobs", endpoint_url=server.endpoint_url)


# every Storage the hub can run on, by name, each made empty for the test: a new
# implementation adds one line here (and its own module's tests) and meets every test below
IMPLEMENTATIONS: dict[str, Callable[[pytest.FixtureRequest, Path], Storage]] = {
    "local": lambda _, root: LocalStorage(root / "blobs"),
    "s3": _s3,
}


@pytest.fixture(params=sorted(IMPLEMENTATIONS))
def storage(request: pytest.FixtureRequest, tmp_path: Path) -> Storage:
    return IMPLEMENTATIONS[request.param](request, tmp_path)


def _chunks(data: bytes, size: int = 7) -> Iterator[bytes]:
    for i in range(0, len(data), size):
        yield data[i : i + size]


def test_put_is_content_addressed_and_deduplicated(storage: Storage) -> None:
    data = os.urandom(10_000)
    first = storage.put_stream(_chunks(data))
    assert first.sha256 == hashlib.sha256(data).hexdigest() and first.size == len(data)
    assert first.created
    second = storage.put_stream(_chunks(data, 1000))
    assert second.sha256 == first.sha256 and not second.created
    assert storage.exists(first.sha256) and storage.size(first.sha256) == len(data)
    with storage.open(first.sha256) as src:
        assert src.read() == data


def test_ranges(storage: Storage) -> None:
    data = bytes(range(256)) * 10_000
    sha = storage.put_stream(iter([data])).sha256
    assert b"".join(storage.iter_bytes(sha)) == data
    assert b"".join(storage.iter_bytes(sha, 5, 300_000)) == data[5:300_000]
    assert b"".join(storage.iter_bytes(sha, len(data) - 3)) == data[-3:]


def test_missing_and_malformed_ids(storage: Storage) -> None:
    assert not storage.exists("0" * 64)
    assert not storage.exists("../../etc/passwd")
    with pytest.raises(BlobMissing):
        storage.open("0" * 64)
    with pytest.raises(BlobMissing):
        storage.size("not-a-hash")
    storage.delete("0" * 64)  # absent: no error


def test_failed_write_stores_nothing(storage: Storage) -> None:
    def broken() -> Iterator[bytes]:
        yield b"partial data"
        raise RuntimeError("connection lost")

    with pytest.raises(RuntimeError, match="connection lost"):
        storage.put_stream(broken())
    assert not storage.exists(hashlib.sha256(b"partial data").hexdigest())
    assert storage.put_stream(iter([b"partial data"])).created


def test_delete_and_put_file(storage: Storage, tmp_path: Path) -> None:
    src = tmp_path / "weights.bin"
    src.write_bytes(b"w" * 3_000_000)
    blob = storage.put_file(src)
    assert blob.size == 3_000_000
    storage.delete(blob.sha256)
    assert not storage.exists(blob.sha256)


def test_put_file_can_take_over_a_hashed_file(storage: Storage, tmp_path: Path) -> None:
    data = os.urandom(50_000)
    staged = tmp_path / "staged.bin"
    staged.write_bytes(data)
    sha = hashlib.sha256(data).hexdigest()
    blob = storage.put_file(staged, sha256=sha, move=True)
    assert blob.sha256 == sha and blob.created and not staged.exists()
    with storage.open(sha) as src:
        assert src.read() == data
    again = tmp_path / "again.bin"
    again.write_bytes(data)
    assert not storage.put_file(again, sha256=sha, move=True).created
