"""The blobs of a backup: the manifest (every blob the database references, with its size),
copied out of the hub's storage and back into another one, each checked against its sha256
and size while it is copied."""

from __future__ import annotations

import hashlib
import os
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy.orm import Session

from modelhub.backups.layout import EXIT_BLOBS, BackupProblem, blob_path
from modelhub.maintenance.blobs import read_rows
from modelhub.storage.base import CHUNK, BlobMissing, Storage

_NAMED = 5  # blobs named in an error


@dataclass(frozen=True)
class Entry:
    sha256: str
    size: int

    def as_json(self) -> dict[str, object]:
        return {"sha256": self.sha256, "size": self.size}


def manifest(db: Session) -> tuple[list[Entry], set[str]]:
    """Every blob the database knows (referenced, or a ``blobs`` row), and which of them rows
    need. Sizes from the ``blobs`` rows, else from the rows that reference the blob."""
    rows = read_rows(db)
    sizes = dict(rows.rows)
    for sha, known in rows.sizes.items():
        sizes.setdefault(sha, min(known))
    entries = [Entry(sha, sizes.get(sha, -1)) for sha in sorted(sizes.keys() | rows.needed.keys())]
    return entries, set(rows.needed)


def _problem(code: str, what: str, shas: list[str]) -> BackupProblem:
    named = ", ".join(shas[:_NAMED]) + (
        f" and {len(shas) - _NAMED} more" if len(shas) > _NAMED else ""
    )
    return BackupProblem(code, f"{len(shas)} blob(s) {what}: {named}", exit_code=EXIT_BLOBS)


def copy_out(
    storage: Storage, entries: Iterable[Entry], root: Path | None, needed: set[str]
) -> list[Entry]:
    """Copy each blob into the backup at ``root`` (None: only look each one up in the storage,
    for a manifest alone); returns the manifest. A blob no row needs that has gone meanwhile
    (gc) is left out; a needed one missing, or any one damaged, stops the backup."""
    copied: list[Entry] = []
    missing, damaged = [], []
    for entry in entries:
        try:
            if root is None:
                sha, size = entry.sha256, storage.size(entry.sha256)
            else:
                target = blob_path(root, entry.sha256)
                target.parent.mkdir(parents=True, exist_ok=True)
                sha, size = _write(storage.iter_bytes(entry.sha256), target)
        except BlobMissing:
            if root is not None:
                blob_path(root, entry.sha256).unlink(missing_ok=True)
            if entry.sha256 in needed:
                missing.append(entry.sha256)
            continue
        if sha != entry.sha256 or (entry.size >= 0 and size != entry.size):
            damaged.append(entry.sha256)
        copied.append(Entry(entry.sha256, size))
    if missing:
        raise _problem(
            "blob_missing", "that rows need are not in the hub's storage (see 'modelhub fsck')",
            missing,
        )  # fmt: skip
    if damaged:
        raise _problem(
            "blob_damaged",
            "in the hub's storage do not match their sha256 or size (see 'modelhub fsck --verify')",
            damaged,
        )
    return copied


def _write(chunks: Iterator[bytes], target: Path) -> tuple[str, int]:
    digest, size = hashlib.sha256(), 0
    with target.open("wb") as out:
        for chunk in chunks:
            digest.update(chunk)
            size += len(chunk)
            out.write(chunk)
        out.flush()
        os.fsync(out.fileno())
    return digest.hexdigest(), size


def _chunks(path: Path) -> Iterator[bytes]:
    with path.open("rb") as src:
        while chunk := src.read(CHUNK):
            yield chunk


def copy_in(storage: Storage, entries: list[Entry], root: Path) -> list[str]:
    """Store every blob of the backup in ``storage``, checked against the manifest; returns the
    blobs this created (to remove again when the restore fails). Damage stops before the
    database is touched, and what was stored so far goes again."""
    created: list[str] = []
    try:
        missing, damaged = [], []
        for entry in entries:
            source = blob_path(root, entry.sha256)
            if not source.is_file():
                missing.append(entry.sha256)
                continue
            stored = storage.put_stream(_chunks(source))
            if stored.created:
                created.append(stored.sha256)
            if stored.sha256 != entry.sha256 or stored.size != entry.size:
                damaged.append(entry.sha256)
        if missing:
            raise _problem("blob_missing", "of the manifest are not in the backup", missing)
        if damaged:
            raise _problem(
                "blob_damaged", "in the backup do not match their sha256 or size", damaged
            )
    except BaseException:
        remove(storage, created)
        raise
    return created


def check_present(storage: Storage, entries: list[Entry]) -> None:
    """A backup without blobs: every blob of the manifest must be in ``storage`` already, at
    its size."""
    missing, damaged = [], []
    for entry in entries:
        try:
            if storage.size(entry.sha256) != entry.size:
                damaged.append(entry.sha256)
        except BlobMissing:
            missing.append(entry.sha256)
    if missing:
        raise _problem("blob_missing", "of the manifest are not in the target storage", missing)
    if damaged:
        raise _problem(
            "blob_damaged", "in the target storage have another size than the manifest", damaged
        )


def remove(storage: Storage, shas: list[str]) -> None:
    for sha in shas:
        storage.delete(sha)
