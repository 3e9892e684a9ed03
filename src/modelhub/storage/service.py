"""Recording blobs in the database alongside the storage, and undoing a failed batch."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session, sessionmaker

from modelhub.db import utcnow
from modelhub.faults import fault_point
from modelhub.storage.base import BlobMissing, Storage, StoredBlob
from modelhub.storage.models import Blob

log = logging.getLogger(__name__)


def record_blob(db: Session, *, sha256: str, size: int) -> None:
    """Add the ``blobs`` row of ``sha256`` unless it exists. Insert-or-nothing: two changes
    storing the same bytes at once (two uploads sharing a file) both go through — a read then
    an insert would let the second fail on the primary key at commit. On PostgreSQL the second
    waits for the first to commit or roll back, then keeps its row or adds it."""
    dialect = db.get_bind().dialect.name
    if dialect in ("sqlite", "postgresql"):
        insert = sqlite.insert if dialect == "sqlite" else postgresql.insert
        stmt = insert(Blob).values(sha256=sha256, size=size)
        db.execute(stmt.on_conflict_do_nothing(index_elements=["sha256"]))
    elif db.get(Blob, sha256) is None:
        db.add(Blob(sha256=sha256, size=size))


def _claim_in(db: Session, *, sha256: str, size: int) -> None:
    dialect = db.get_bind().dialect.name
    now = utcnow()
    if dialect in ("sqlite", "postgresql"):
        insert = sqlite.insert if dialect == "sqlite" else postgresql.insert
        stmt = insert(Blob).values(sha256=sha256, size=size, claimed_at=now)
        db.execute(stmt.on_conflict_do_update(index_elements=["sha256"], set_={"claimed_at": now}))
    else:
        row = db.get(Blob, sha256)
        if row is None:
            db.add(Blob(sha256=sha256, size=size, claimed_at=now))
        else:
            row.claimed_at = now
        db.flush()


def claim_blob(db: Session, sessions: sessionmaker[Session], *, sha256: str, size: int) -> None:
    """Claim ``sha256`` before relying on bytes the storage already holds: its ``blobs`` row,
    added or kept, gets ``claimed_at = now``, committed before the storage is asked (the S3 gc
    protocol of ``maintenance.s3gc``).

    On PostgreSQL the claim commits in a transaction of its own. SQLite has one writer at a
    time and ``db`` may hold the write lock already, so there the claim goes into ``db``: it
    keeps the write lock until ``db`` ends, and gc's re-check takes that lock first, so it
    waits for the change's commit (or rollback) and sees its rows."""
    if db.get_bind().dialect.name == "sqlite":
        _claim_in(db, sha256=sha256, size=size)
        return
    with sessions() as own:
        _claim_in(own, sha256=sha256, size=size)
        own.commit()


def sessions_beside(db: Session) -> sessionmaker[Session]:
    """Sessions on the engine of ``db``, for a claim's own transaction where the caller has
    no session factory at hand (a job's apply step gets only its session)."""
    return sessionmaker(bind=db.get_bind(), expire_on_commit=False)


class BlobBatch:
    """Stores the blobs of one change and remembers which ones it created, so that a change
    that is refused or fails before commit leaves no new blob behind (``discard``). With
    ``sessions`` it claims each blob before the storage relies on bytes it already holds
    (``claim_blob``)."""

    def __init__(
        self, db: Session, storage: Storage, sessions: sessionmaker[Session] | None = None
    ) -> None:
        self._db = db
        self._storage = storage
        self._sessions = sessions
        self.created: list[str] = []

    def claim(self, sha256: str, size: int) -> None:
        """Claim ``sha256`` for this change (a ``Claim``); without sessions, nothing."""
        if self._sessions is not None:
            claim_blob(self._db, self._sessions, sha256=sha256, size=size)

    def adopt(self, sha256: str, size: int) -> None:
        """Record bytes someone else stored (a partner sync's worker): claim them, then make
        sure they are there; raises ``BlobMissing`` when they are not (a gc removed them)."""
        self.claim(sha256, size)
        if not self._storage.exists(sha256):
            raise BlobMissing(sha256)
        record_blob(self._db, sha256=sha256, size=size)

    def _record(self, blob: StoredBlob) -> StoredBlob:
        if blob.created:
            self.created.append(blob.sha256)
        record_blob(self._db, sha256=blob.sha256, size=blob.size)
        return blob

    def put_file(self, path: Path, *, sha256: str | None = None, move: bool = False) -> StoredBlob:
        return self._record(
            self._storage.put_file(path, sha256=sha256, move=move, claim=self.claim)
        )

    def put_bytes(self, data: bytes) -> StoredBlob:
        return self._record(self._storage.put_stream(iter([data]), claim=self.claim))

    def discard(self, sessions: sessionmaker[Session]) -> None:
        """After a rollback: delete the blobs this batch created that no committed row knows
        (another upload of the same bytes may have committed them meanwhile).

        Never raises: it runs while another error (often the database or the storage being
        away) propagates, and must not hide it. What it cannot delete stays an orphan blob that
        ``gc`` removes after its grace period — as are, on PostgreSQL with blobs in S3, the blobs
        this batch claimed (claims commit on their own, so a claimed row is known here)."""
        if not self.created:
            return
        try:
            with sessions() as db:
                known = set(db.scalars(select(Blob.sha256).where(Blob.sha256.in_(self.created))))
            for sha in self.created:
                if sha not in known:
                    self._storage.delete(sha)
        except Exception:
            log.warning("%d new blob(s) left to gc: deleting them failed", len(self.created))
        self.created.clear()


@contextmanager
def committed_blobs(
    db: Session, storage: Storage, sessions: sessionmaker[Session], *, purpose: str
) -> Iterator[BlobBatch]:
    """Store blobs, then commit ``db`` — or roll back and delete the blobs this change created.

    The one way a change that writes blobs ends: every path that stores blobs (uploads,
    publication, demo content) goes through here. A process killed between the blob writes and
    the commit leaves blobs no row knows; ``gc`` removes those after its grace period.
    ``purpose`` names the test-only fault point ``<purpose>_after_blobs``."""
    batch = BlobBatch(db, storage, sessions)
    try:
        yield batch
        if batch.created:
            fault_point(f"{purpose}_after_blobs")
        db.commit()
    except BaseException:
        db.rollback()
        batch.discard(sessions)
        raise
