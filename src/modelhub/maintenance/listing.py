"""What a blob storage holds, in one shape for both backends: the blobs (size, age) and the
leftovers of unfinished writes — files in a local ``.tmp``, or temporary objects and multipart
uploads under an S3 prefix's ``.tmp/`` — and what a gc left half-done."""

from __future__ import annotations

import time
from dataclasses import dataclass

from modelhub.maintenance.findings import Category, Finding
from modelhub.storage.local import LocalStorage
from modelhub.storage.s3 import S3Storage

CheckedStorage = LocalStorage | S3Storage
"""The backends fsck knows how to list."""


@dataclass(frozen=True)
class Listed:
    """One stored blob as a listing shows it."""

    size: int
    mtime: float
    mtime_ns: int | None = None
    """Local files only: gc's guard against a concurrent reuse compares it (``LocalStorage``)."""


def blobs_in(storage: CheckedStorage) -> dict[str, Listed]:
    """Every blob in ``storage``: sha256 -> size and time written."""
    if isinstance(storage, LocalStorage):
        return {
            sha: Listed(stat.st_size, stat.st_mtime, stat.st_mtime_ns)
            for sha, stat in storage.blob_files()
        }
    return {sha: Listed(size, written) for sha, size, written in storage.blob_objects()}


def leftovers_in(storage: CheckedStorage) -> list[Finding]:
    """Unfinished writes (``temporary_file``) and blobs a gc set aside (locally) or moved to
    ``.trash/`` (S3) and did not finish with (``set_aside_blob``)."""
    now = time.time()
    found: list[Finding] = []
    if isinstance(storage, LocalStorage):
        for path, stat in storage.temporary_files():
            age = now - stat.st_mtime
            found.append(Finding(Category.temporary_file, str(path), f"{stat.st_size} bytes", age))
        for sha, aside in storage.set_aside():
            found.append(Finding(Category.set_aside_blob, sha, f"moved aside as {aside.name}"))
        return found
    for key, size, written in storage.temporary_objects():
        what = "an unfinished multipart upload" if size is None else f"{size} bytes"
        found.append(Finding(Category.temporary_file, key, what, now - written))
    for sha, moved in storage.trashed_objects():
        found.append(Finding(Category.set_aside_blob, sha, "moved to .trash/", now - moved))
    return found
