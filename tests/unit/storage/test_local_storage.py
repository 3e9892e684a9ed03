"""What only the local directory storage does: temporary files, and the guard that keeps the
garbage collector from removing a blob that an upload has just reused. The contract every
storage meets is in test_contract.py."""

from __future__ import annotations

import hashlib
import os
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from modelhub.storage.local import LocalStorage


def test_a_failed_write_leaves_no_file(tmp_path: Path) -> None:
    storage = LocalStorage(tmp_path / "blobs")

    def broken() -> Iterator[bytes]:
        yield b"partial data"
        raise RuntimeError("connection lost")

    with pytest.raises(RuntimeError, match="connection lost"):
        storage.put_stream(broken())
    assert [p for p in (tmp_path / "blobs").rglob("*") if p.is_file()] == []


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
