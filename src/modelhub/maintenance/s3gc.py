"""gc of blobs in S3: orphan objects go, with the database as the arbiter.

An S3 object cannot be moved aside and compared the way a local file is (the same bytes have
the same ETag, and S3 has no DELETE conditional on LastModified), so uploads and gc meet in the
``blobs`` table instead:

- **An upload claims before it relies on stored bytes.** Before ``S3Storage`` decides that an
  object already exists and skips writing it, the change commits a claim in a short transaction
  of its own: the ``blobs`` row of the sha256, added or kept, with ``claimed_at = now``
  (``storage.service.claim_blob``). Only then does it send the HEAD.
- **gc removes an orphan object** (older than the grace period) in four steps, each a function
  below: (a) ``forget_unclaimed``: a conditional DELETE of the ``blobs`` row where no row
  references it and it was not claimed within the grace period, committed — if a row remains,
  the object stays; (b) ``S3Storage.to_trash``: the object moves to ``<prefix>/.trash/<sha>``;
  (c) ``in_use``: if a ``blobs`` row or a reference exists now, the object is copied back;
  (d) the trashed copy is deleted (``settle``). A gc killed between (b) and (d) leaves the
  object in ``.trash/``; the next run settles it the same way (c, d).

Why no row ends up naming deleted bytes: an upload that saw the object (HEAD) committed its
claim before that HEAD, so before gc's move in (b). If the claim committed before (a), (a)
finds it fresh and keeps the row: gc stops. If it committed after (a), (c) runs after (b),
hence after the claim, and sees the new row: the object is restored before the trashed copy
goes. An upload whose HEAD came after (b) finds nothing and writes the bytes itself.

On SQLite the claim is written in the change's own transaction (one writer at a time: a second
transaction would wait for the first); (c) starts with a write, so it waits for that change to
commit or roll back and then sees its rows.
"""

from __future__ import annotations

import time
from datetime import UTC, datetime

from sqlalchemy import delete, exists, func, or_, select, update
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session, sessionmaker

from modelhub.maintenance.blobs import REFERENCES, read_rows
from modelhub.maintenance.findings import Category
from modelhub.maintenance.listing import blobs_in
from modelhub.maintenance.service import GcResult
from modelhub.storage.models import Blob
from modelhub.storage.s3 import S3Storage

BUSY_S = 60.0
"""A trashed object younger than this may be another gc's, in the middle of its steps."""


def forget_unclaimed(sessions: sessionmaker[Session], sha: str, *, claimed_before: float) -> bool:
    """(a) Delete the ``blobs`` row of ``sha`` unless a row references it or it was claimed at
    or after ``claimed_before`` (epoch), and commit; True when no row remains."""
    cutoff = datetime.fromtimestamp(claimed_before, UTC)
    fresh = or_(Blob.claimed_at.is_(None), Blob.claimed_at < cutoff)
    unreferenced = [~exists().where(column == sha) for column in REFERENCES]
    with sessions() as db:
        try:
            db.execute(delete(Blob).where(Blob.sha256 == sha, fresh, *unreferenced))
            if db.scalar(select(exists().where(Blob.sha256 == sha))):
                db.rollback()
                return False
            db.commit()
        except DBAPIError:  # a reference committed meanwhile (foreign key), a deadlock…
            db.rollback()
            return False
    return True


def forget_stale_row(sessions: sessionmaker[Session], sha: str, *, older_than: float) -> bool:
    """Delete a ``blobs`` row without bytes or references, neither made nor claimed since
    ``older_than`` (epoch): a claim whose change failed before its bytes landed (PostgreSQL
    commits claims on their own). A change still writing those bytes claimed within the grace
    period; one slower than that adds the row again when it commits (``record_blob``)."""
    cutoff = datetime.fromtimestamp(older_than, UTC)
    unreferenced = [~exists().where(column == sha) for column in REFERENCES]
    with sessions() as db:
        try:
            done = db.execute(
                delete(Blob).where(
                    Blob.sha256 == sha,
                    func.coalesce(Blob.claimed_at, Blob.created_at) < cutoff,
                    *unreferenced,
                )
            )
            db.commit()
        except DBAPIError:
            db.rollback()
            return False
    return bool(getattr(done, "rowcount", 0))


def in_use(sessions: sessionmaker[Session], sha: str) -> bool:
    """(c) Whether a ``blobs`` row or a reference names ``sha`` now; True on any doubt."""
    with sessions() as db:
        try:
            if db.get_bind().dialect.name == "sqlite":
                # take the one write lock first: a change holding it (its claim) ends first
                db.execute(update(Blob).where(Blob.sha256 == sha).values(size=Blob.size))
            named = db.scalar(select(exists().where(Blob.sha256 == sha))) or any(
                db.scalar(select(exists().where(column == sha))) for column in REFERENCES
            )
        except DBAPIError:
            named = True
        finally:
            db.rollback()
    return bool(named)


def settle(sessions: sessionmaker[Session], storage: S3Storage, sha: str) -> bool:
    """(c) and (d) for an object in ``.trash/``: copy it back if it is in use, then delete the
    trashed copy. True when the blob is gone, False when it was restored."""
    if in_use(sessions, sha):
        storage.from_trash(sha)
        storage.drop_trash(sha)
        return False
    storage.drop_trash(sha)
    return True


def remove_orphan(
    sessions: sessionmaker[Session], storage: S3Storage, sha: str, *, claimed_before: float
) -> bool:
    """All four steps for one orphan object; True when it was removed."""
    if not forget_unclaimed(sessions, sha, claimed_before=claimed_before):
        return False
    if not storage.to_trash(sha):
        return False  # gone already (another gc)
    return settle(sessions, storage, sha)


def gc_s3(
    *,
    sessions: sessionmaker[Session],
    storage: S3Storage,
    grace_s: float,
    busy_s: float = BUSY_S,
) -> GcResult:
    """Settle what killed gc runs left in ``.trash/`` (older than ``busy_s``); remove orphan
    objects, ``blobs`` rows without bytes or references (failed claims) and unfinished uploads
    older than ``grace_s``. Safe while the hub runs."""
    result = GcResult()
    now = time.time()
    for sha, moved in list(storage.trashed_objects()):
        if now - moved >= busy_s:
            done = settle(sessions, storage, sha)
            (result.removed if done else result.kept)[Category.set_aside_blob.value] += 1
    with sessions() as db:
        rows = read_rows(db)  # before listing: a blob committed in between is a young orphan
    files = blobs_in(storage)
    for sha in rows.rows.keys() - rows.needed.keys() - files.keys():
        done = forget_stale_row(sessions, sha, older_than=now - grace_s)
        (result.removed if done else result.kept)[Category.stale_blob_row.value] += 1
    for sha, listed in files.items():
        if sha in rows.needed:
            continue
        if now - listed.mtime < grace_s:
            result.kept[Category.orphan_blob.value] += 1
            continue
        done = remove_orphan(sessions, storage, sha, claimed_before=now - grace_s)
        (result.removed if done else result.kept)[Category.orphan_blob.value] += 1
    swept = storage.sweep_temporary(older_than_s=grace_s)
    if swept:
        result.removed[Category.temporary_file.value] += swept
    return result
