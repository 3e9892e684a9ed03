"""Asking for syncs: on request (a partner's page, its CI's hook, the command line), after an
approval, and periodically. One sync per partner is queued or running at a time, whichever hub
process asks: the job's dedupe key holds the partner's count of finished syncs."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from modelhub.accounts.models import User
from modelhub.db import utcnow
from modelhub.jobs import service as jobs
from modelhub.jobs.models import Job
from modelhub.partner_sync.tasks import SYNC_JOB
from modelhub.partners.models import Partner

MAX_ATTEMPTS = 2  # a sync that fails to finish (a worker lost) is tried once more


def request_sync(
    db: Session,
    *,
    partner: Partner,
    full: bool = False,
    requested_by: User | None = None,
    url: str | None = None,
) -> Job:
    """The partner's queued or running sync, or a new one (in the caller's transaction).
    ``full`` fetches every entry again, even unchanged ones (a queued sync stays as asked);
    ``url`` reads the collection from there this once (``modelhub mirror`` of a folder)."""
    payload: dict[str, object] = {"partner_id": partner.id, "full": full}
    if url is not None:
        payload["url"] = url
    return jobs.enqueue(
        db,
        kind=SYNC_JOB,
        payload=payload,
        dedupe_key=f"{SYNC_JOB}:{partner.id}:{partner.sync_count}",
        max_attempts=MAX_ATTEMPTS,
        created_by_id=requested_by.id if requested_by else None,
    )


def request_due_syncs(db: Session, *, interval_s: float) -> list[Job]:
    """A sync of each partner whose last attempt is older than ``interval_s`` (or never)."""
    if interval_s <= 0:
        return []
    before = utcnow() - timedelta(seconds=interval_s)
    due = db.scalars(
        select(Partner).where(
            or_(Partner.last_sync_attempt_at.is_(None), Partner.last_sync_attempt_at < before),
            Partner.collection_url.not_like("file:%"),  # a mirror of a folder: by hand only
        )
    )
    return [request_sync(db, partner=p) for p in due]
