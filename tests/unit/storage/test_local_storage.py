"""The storage contract, run against every implementation (local directory today)."""

from __future__ import annotations

import hashlib
import os
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from modelhub.storage.base import BlobMissing, Storage
from modelhub.storage.local import LocalStorage


@pytest.fixture(params=["local"])
def storage(request: pytest.FixtureRequest, tmp_path: Path) -> Storage:
    assert request.param == "local"
    return LocalStorage(tmp_path / "blobs")


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


def test_failed_write_leaves_nothing(storage: Storage, tmp_path: Path) -> None:
    def broken() -> Iterator[bytes]:
        yield b"partial data"
        raise RuntimeError("connection lost")

    with pytest.raises(RuntimeError):
        storage.put_stream(broken())
    assert [p for p in (tmp_path / "blobs").rglob("*") if p.is_file()] == []


def test_delete_and_put_file(storage: Storage, tmp_path: Path) -> None:
    src = tmp_path / "weights.bin"
    src.write_bytes(b"w" * 3_000_000)
    blob = storage.put_file(src)
    assert blob.size == 3_000_000
    storage.delete(blob.sha256)
    assert not storage.exists(blob.sha256)


def test_sweep_removes_only_old_temporary_files(tmp_path: Path) -> None:
    storage = LocalStorage(tmp_path / "blobs")
    old = tmp_path / "blobs" / ".tmp" / "blob-old"
    new = tmp_path / "blobs" / ".tmp" / "blob-new"
    old.write_bytes(b"x")
    new.write_bytes(b"y")
    past = time.time() - 86_400
    os.utime(old, (past, past))
    assert storage.sweep_temporary() == 1
    assert not old.exists() and new.exists()


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


def test_reusing_a_blob_claims_it_against_a_gc_that_looked_before(tmp_path: Path) -> None:
    storage = LocalStorage(tmp_path / "blobs")
    sha = storage.put_stream(iter([b"orphan bytes"])).sha256
    path = storage.local_path(sha)
    assert path is not None
    old = time.time() - 7200
    os.utime(path, (old, old))
    seen = path.stat().st_mtime_ns  # gc's scan
    again = storage.put_stream(iter([b"orphan bytes"]))  # an upload with the same bytes
    assert not again.created and path.stat().st_mtime_ns > seen
    removed = storage.remove_unless_claimed(sha, seen_mtime_ns=seen, still_unused=lambda: True)
    assert not removed and storage.exists(sha)
    assert list((storage.root / ".gc").iterdir()) == []


def test_an_unclaimed_blob_goes_and_a_refusing_guard_puts_it_back(tmp_path: Path) -> None:
    storage = LocalStorage(tmp_path / "blobs")
    keep = storage.put_stream(iter([b"still needed"])).sha256
    drop = storage.put_stream(iter([b"not needed"])).sha256
    stats = dict(storage.blob_files())
    assert set(stats) == {keep, drop}
    assert not storage.remove_unless_claimed(
        keep, seen_mtime_ns=stats[keep].st_mtime_ns, still_unused=lambda: False
    )
    assert storage.remove_unless_claimed(
        drop, seen_mtime_ns=stats[drop].st_mtime_ns, still_unused=lambda: True
    )
    assert storage.exists(keep) and not storage.exists(drop)
    # once gone, an upload with those bytes writes them afresh
    assert storage.put_stream(iter([b"not needed"])).created


def test_an_adopted_staged_file_counts_as_new(tmp_path: Path) -> None:
    storage = LocalStorage(tmp_path / "blobs")
    staged = tmp_path / "staged.bin"
    staged.write_bytes(b"received hours ago")
    old = time.time() - 7200
    os.utime(staged, (old, old))
    sha = hashlib.sha256(b"received hours ago").hexdigest()
    stored = storage.put_file(staged, sha256=sha, move=True)
    path = storage.local_path(stored.sha256)
    assert path is not None and path.stat().st_mtime > old + 3600
