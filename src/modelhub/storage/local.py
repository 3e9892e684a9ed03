"""Blob storage in a local directory: ``<root>/ab/cd/<sha256>``, written via temp file + rename."""

from __future__ import annotations

import contextlib
import errno
import hashlib
import os
import re
import tempfile
import time
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import BinaryIO

from modelhub.private import FILE_MODE, private_dir
from modelhub.storage.base import CHUNK, BlobMissing, Claim, StoredBlob

_SHA256 = re.compile(r"^[0-9a-f]{64}$")


def _claim(final: Path) -> bool:
    """Reuse an existing blob: True when it exists, and then its mtime has moved forward.

    A blob that no row references may be removed by ``gc`` at any moment; a new upload with the
    same bytes (de-duplication) relies on it. ``gc`` moves a blob aside and looks at its mtime
    again before deleting it (``remove_unless_claimed``): a claim made before that move shows
    as a changed mtime and the blob goes back; a claim after it finds no file and the caller
    writes the bytes anew."""
    try:
        seen = os.stat(final)
        os.utime(final, ns=(seen.st_atime_ns, max(time.time_ns(), seen.st_mtime_ns + 1)))
    except FileNotFoundError:
        return False
    return True


class LocalStorage:
    """Content-addressed blobs in a directory; temp files live in ``<root>/.tmp`` on the same
    filesystem so that the final rename is atomic."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self._tmp = root / ".tmp"
        private_dir(root)
        private_dir(self._tmp)
        # blobs gc is about to delete; not ``.tmp``, whose sweep goes by age alone
        self._aside = root / ".gc"

    def _path(self, sha256: str) -> Path:
        if not _SHA256.match(sha256):
            raise BlobMissing(sha256)
        return self.root / sha256[:2] / sha256[2:4] / sha256

    def put_stream(self, chunks: Iterator[bytes], *, claim: Claim | None = None) -> StoredBlob:
        # no claim needed: gc's guard here is the file's mtime (``_claim``)
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

    def put_file(
        self,
        path: Path,
        *,
        sha256: str | None = None,
        move: bool = False,
        claim: Claim | None = None,
    ) -> StoredBlob:
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
                # the staged file may be hours old: as a blob it is new (gc's grace counts
                # from here)
                os.utime(tmp)
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
        if _claim(final):
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

    # ------------------------------------------------------------------ for fsck and gc

    def blob_files(self) -> Iterator[tuple[str, os.stat_result]]:
        """Every blob in the directory: its sha256 and its file's stat."""
        for first in _subdirs(self.root):
            for second in _subdirs(first):
                with os.scandir(second) as entries:
                    for entry in entries:
                        if _SHA256.match(entry.name) and entry.name.startswith(
                            first.name + second.name
                        ):
                            with contextlib.suppress(FileNotFoundError):
                                yield entry.name, entry.stat(follow_symlinks=False)

    def temporary_files(self) -> Iterator[tuple[Path, os.stat_result]]:
        """Files being written, or left by a writer that died (``sweep_temporary``)."""
        for leftover in self._tmp.iterdir():
            with contextlib.suppress(FileNotFoundError):
                yield leftover, leftover.stat()

    def set_aside(self, older_than_s: float = 60) -> Iterator[tuple[str, Path]]:
        """Blobs a gc moved aside and did not finish with (it died): (sha256, file). A gc
        holds one aside for moments; ``older_than_s`` (since the move) leaves those alone."""
        if not self._aside.is_dir():
            return
        cutoff = time.time() - older_than_s
        for path in self._aside.iterdir():
            with contextlib.suppress(FileNotFoundError):
                if path.stat().st_ctime < cutoff:
                    yield path.name.split(".")[0], path

    def remove_temporary(self, path: str, *, older_than: float) -> bool:
        """Delete a temporary file unchanged since ``older_than`` (epoch seconds)."""
        leftover = self._tmp / Path(path).name
        with contextlib.suppress(FileNotFoundError):
            if leftover.stat().st_mtime < older_than:
                leftover.unlink()
                return True
        return False

    def put_back(self, sha256: str, aside: Path) -> None:
        """Return a blob moved aside to its place (or drop it when the place is taken again:
        the bytes are the same)."""
        with contextlib.suppress(FileExistsError, FileNotFoundError):
            os.link(aside, self._path(sha256))
        aside.unlink(missing_ok=True)

    def remove_unless_claimed(
        self, sha256: str, *, seen_mtime_ns: int, still_unused: Callable[[], bool]
    ) -> bool:
        """Delete a blob that looked unused when its mtime was ``seen_mtime_ns``, unless an
        upload claimed it since (``_claim``) or ``still_unused`` (the database's guarded
        delete) says a row now needs it. True when deleted."""
        self._aside.mkdir(exist_ok=True)
        aside = self._aside / f"{sha256}.{uuid.uuid4().hex}"
        try:
            os.rename(self._path(sha256), aside)  # new uploads now write the bytes afresh
        except FileNotFoundError:
            return False
        try:
            claimed = aside.stat().st_mtime_ns != seen_mtime_ns
        except FileNotFoundError:
            return False  # another gc put it back: it stays
        try:
            if claimed or not still_unused():
                self.put_back(sha256, aside)
                return False
        except BaseException:
            self.put_back(sha256, aside)
            raise
        aside.unlink(missing_ok=True)
        return True


def _subdirs(path: Path) -> Iterator[Path]:
    with os.scandir(path) as entries:
        for entry in entries:
            if len(entry.name) == 2 and entry.is_dir(follow_symlinks=False):
                yield Path(entry.path)
