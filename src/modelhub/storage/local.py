"""Blob storage in a local directory: ``<root>/ab/cd/<sha256>``, written via temp file + rename."""

from __future__ import annotations

import errno
import hashlib
import os
import re
import tempfile
import time
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import BinaryIO

from modelhub.private import FILE_MODE, private_dir
from modelhub.storage.base import CHUNK, BlobMissing, StoredBlob

_SHA256 = re.compile(r"^[0-9a-f]{64}$")


class LocalStorage:
    """Content-addressed blobs in a directory; temp files live in ``<root>/.tmp`` on the same
    filesystem so that the final rename is atomic."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self._tmp = root / ".tmp"
        private_dir(root)
        private_dir(self._tmp)

    def _path(self, sha256: str) -> Path:
        if not _SHA256.match(sha256):
            raise BlobMissing(sha256)
        return self.root / sha256[:2] / sha256[2:4] / sha256

    def put_stream(self, chunks: Iterator[bytes]) -> StoredBlob:
        digest = hashlib.sha256()
        size = 0
        fd, tmp_name = tempfile.mkstemp(dir=self._tmp, prefix="blob-")
        try:
            with os.fdopen(fd, "wb") as out:
                for chunk in chunks:
                    digest.update(chunk)
                    size += len(chunk)
                    out.write(chunk)
                out.flush()
                os.fsync(out.fileno())
            return self._commit(Path(tmp_name), digest.hexdigest(), size)
        except BaseException:
            Path(tmp_name).unlink(missing_ok=True)
            raise

    def put_file(self, path: Path, *, sha256: str | None = None, move: bool = False) -> StoredBlob:
        if sha256 is not None and move:
            size = path.stat().st_size
            tmp = self._tmp / f"adopt-{uuid.uuid4().hex}"
            try:
                # a rename when the staging area shares our filesystem: no copy, no re-hash
                os.replace(path, tmp)
            except OSError as exc:
                if exc.errno != errno.EXDEV:
                    raise
            else:
                fd = os.open(tmp, os.O_RDONLY)
                try:
                    os.fsync(fd)  # durable before any row points at it
                finally:
                    os.close(fd)
                return self._commit(tmp, sha256, size)
        with path.open("rb") as src:
            return self.put_stream(iter(lambda: src.read(CHUNK), b""))

    def _commit(self, tmp: Path, sha256: str, size: int) -> StoredBlob:
        final = self._path(sha256)
        if final.exists():
            tmp.unlink()
            return StoredBlob(sha256=sha256, size=size, created=False)
        private_dir(final.parent.parent)
        private_dir(final.parent)
        os.chmod(tmp, FILE_MODE)  # an adopted staging file keeps the mode it was written with
        # rename is atomic on one filesystem: readers see the whole blob or nothing
        os.replace(tmp, final)
        return StoredBlob(sha256=sha256, size=size, created=True)

    def exists(self, sha256: str) -> bool:
        try:
            return self._path(sha256).is_file()
        except BlobMissing:
            return False

    def size(self, sha256: str) -> int:
        try:
            return self._path(sha256).stat().st_size
        except FileNotFoundError as exc:
            raise BlobMissing(sha256) from exc

    def open(self, sha256: str) -> BinaryIO:
        try:
            return self._path(sha256).open("rb")
        except FileNotFoundError as exc:
            raise BlobMissing(sha256) from exc

    def iter_bytes(self, sha256: str, start: int = 0, end: int | None = None) -> Iterator[bytes]:
        with self.open(sha256) as src:
            src.seek(start)
            remaining = None if end is None else max(0, end - start)
            while remaining is None or remaining > 0:
                chunk = src.read(CHUNK if remaining is None else min(CHUNK, remaining))
                if not chunk:
                    return
                if remaining is not None:
                    remaining -= len(chunk)
                yield chunk

    def local_path(self, sha256: str) -> Path | None:
        path = self._path(sha256)
        return path if path.is_file() else None

    def delete(self, sha256: str) -> None:
        try:
            self._path(sha256).unlink(missing_ok=True)
        except BlobMissing:
            return

    def sweep_temporary(self, older_than_s: float = 6 * 3600) -> int:
        """Remove temp files a killed process left behind (old enough that no live upload can
        still be writing them); returns how many."""
        count = 0
        cutoff = time.time() - older_than_s
        for leftover in self._tmp.iterdir():
            if leftover.stat().st_mtime < cutoff:
                leftover.unlink(missing_ok=True)
                count += 1
        return count
