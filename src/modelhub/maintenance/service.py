"""``fsck`` (find what crashes left) and ``gc`` (remove it), without HTTP.

gc's safety while the hub runs, with several processes on one data directory:

- **Blobs** are deleted only when no row references them, they are older than the grace
  period, and nobody claimed them since they were looked at. The grace period covers uploads
  in flight: their new blobs exist before their rows commit. De-duplication is the subtle case
  — a new upload may reuse the bytes of an orphan. Two guards, one per layer, close that race:
  the file is first moved aside and its mtime compared with what the scan saw (a reuse bumps
  the mtime, see ``LocalStorage._claim``; a reuse after the move finds nothing and writes the
  bytes again), then the ``blobs`` row goes in a conditional DELETE … WHERE NOT EXISTS
  (reference) inside a transaction (``blobs.forget_blob``: the database, not a lock, decides);
  only after its commit is the file deleted, and on any doubt it goes back. A lock shared by
  uploads and gc would have worked too, but would make every upload wait for a gc run (and a
  lock across processes and machines needs the database anyway).
- **Blobs in S3** (``s3gc``): an object cannot be moved aside and compared, so the database
  decides: an upload commits a claim (``blobs.claimed_at``) before it relies on an object that
  exists, and gc deletes an orphan's row only when nothing references it and nobody claimed it
  within the grace period, moves the object to ``.trash/``, looks again and puts it back when a
  row names it now.
- **Folders** of uploads and checks carry an owner lock (``owned``): one whose process is gone
  is removed at once, under that lock; staged hypha uploads and wizard fixes go after their
  lifetime, under their own lock.
- Concurrent gc runs are harmless (each removal is re-checked); the hub still runs one at a
  time across processes (``lease``), as a matter of economy.
"""

from __future__ import annotations

import time
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy.orm import Session, sessionmaker

from modelhub.maintenance import blobs, folders
from modelhub.maintenance.findings import LOST, Category, Finding, Report
from modelhub.maintenance.folders import Places
from modelhub.maintenance.listing import CheckedStorage, blobs_in, leftovers_in
from modelhub.storage.local import LocalStorage

_FOLDERS = frozenset(
    {
        Category.stale_upload,
        Category.expired_staging,
        Category.leftover_scratch,
        Category.leftover_cgroup,
    }
)
# dead processes are known for sure: their folders need no grace period; a stale row's age is
# checked by its guarded DELETE
_NO_GRACE = _FOLDERS | {Category.set_aside_blob, Category.stale_blob_row}


def fsck(
    *,
    sessions: sessionmaker[Session],
    storage: CheckedStorage,
    places: Places,
    verify: bool = False,
) -> Report:
    """Look for orphan blobs, rows without (intact) blobs, and leftovers of dead processes, in
    a local blob directory or under an S3 prefix (listed whole: one request per 1000 objects).
    ``verify`` re-hashes every referenced blob (reads all bytes: slow on a big hub)."""
    with sessions() as db:
        rows = blobs.read_rows(db)  # before listing the files: see the blobs module
    files = blobs_in(storage)
    found = list(blobs.blob_findings(rows, files, storage=storage, verify=verify))
    found += leftovers_in(storage)
    found += folders.staging_findings(places)
    found += folders.scratch_findings(places)
    return Report(findings=found, verified=verify, blobs=len(files), rows=len(rows.rows))


@dataclass
class GcResult:
    """What one gc run removed, and what it found but kept (too young, or claimed meanwhile)."""

    removed: Counter[str] = field(default_factory=Counter)
    kept: Counter[str] = field(default_factory=Counter)
    lost: int = 0
    """Findings gc cannot repair (missing or damaged blobs): run fsck."""

    def as_json(self) -> dict[str, Any]:
        return {"removed": dict(self.removed), "kept": dict(self.kept), "lost": self.lost}


def gc(
    *, sessions: sessionmaker[Session], storage: LocalStorage, places: Places, grace_s: float
) -> GcResult:
    """Remove orphan blobs, temporary files and stale blob rows older than ``grace_s``, and
    the folders and cgroups of processes that are gone. Safe while the hub runs (see above)."""
    result = GcResult()
    for sha, aside in storage.set_aside():
        storage.put_back(sha, aside)  # a gc died holding it: decide again below
        result.removed[Category.set_aside_blob.value] += 1
    cutoff = time.time() - grace_s
    for finding in fsck(sessions=sessions, storage=storage, places=places).findings:
        category = finding.category
        if category in LOST:
            result.lost += 1
            continue
        old = finding.age_s is not None and finding.age_s >= grace_s
        done = (category in _NO_GRACE or old) and _remove(
            finding, sessions=sessions, storage=storage, cutoff=cutoff
        )
        (result.removed if done else result.kept)[category.value] += 1
    return result


def gc_folders(places: Places) -> GcResult:
    """The part of gc that does not touch blobs: the staging folders, scratch folders and
    cgroups of processes that are gone. A hub whose blobs are in S3 keeps these on its own
    disk like any other, so its gc runs this beside ``S3Storage.sweep_temporary``."""
    result = GcResult()
    for finding in [*folders.staging_findings(places), *folders.scratch_findings(places)]:
        done = folders.remove_folder(finding)
        (result.removed if done else result.kept)[finding.category.value] += 1
    return result


def _remove(
    finding: Finding, *, sessions: sessionmaker[Session], storage: LocalStorage, cutoff: float
) -> bool:
    sha = finding.subject
    match finding.category:
        case Category.orphan_blob:
            if finding.mtime_ns is None:
                raise ValueError(f"orphan blob {sha} was found without its modification time")
            return storage.remove_unless_claimed(
                sha,
                seen_mtime_ns=finding.mtime_ns,
                still_unused=lambda: blobs.forget_blob(sessions, sha),
            )
        case Category.stale_blob_row:
            return not storage.exists(sha) and blobs.forget_stale_row(
                sessions, sha, older_than=cutoff
            )
        case Category.temporary_file:
            return storage.remove_temporary(finding.subject, older_than=cutoff)
        case Category.set_aside_blob:
            return False  # another gc's, moments old: that gc finishes it
        case _:
            return folders.remove_folder(finding)
