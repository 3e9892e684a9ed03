"""Jobs as rows: enqueue in the caller's transaction, claim, finish, retry, hand out orphans.

Nothing here commits: the request that enqueues a job commits it together with the change
that needs it (a rolled-back change leaves no job), and the dispatcher commits its own steps.
Every change to a claimed job is a guarded UPDATE on (id, status running, lease owner, attempt
number): a dispatcher whose job was meanwhile handed to another one changes nothing, so a
result is applied at most once even when a run happened twice.
"""

from __future__ import annotations

import json
from collections.abc import Collection
from datetime import datetime, timedelta
from typing import Any, Protocol, TypedDict, runtime_checkable

from sqlalchemy import ColumnElement, func, or_, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from modelhub.accounts.models import Role, User
from modelhub.db import utcnow
from modelhub.errors import HubError
from modelhub.jobs.models import Job, JobStatus
from modelhub.jobs.owners import owner_is_gone
from modelhub.jobs.registry import Payload, kinds_of

DEFAULT_LEASE_SECONDS = 60.0
DEFAULT_MAX_ATTEMPTS = 3
MAX_PAYLOAD_CHARS = 4096
MAX_RESULT_CHARS = 8192
# set on a session whose transaction enqueued jobs, so that its commit can wake the dispatcher
ENQUEUED = "modelhub.jobs.enqueued"

JOB_LOST = "The hub that was running this job stopped before the job finished."
_UNFINISHED = (JobStatus.queued, JobStatus.running)


class Held(TypedDict):
    """Which attempt of which job a dispatcher holds: the guard of its changes to the job."""

    job_id: int
    owner: str
    attempt: int


class JobNotFound(HubError):
    def __init__(self, message: str = "No such job.") -> None:
        super().__init__(message=message, status_code=404, code="not_found")


def enqueue(
    db: Session,
    *,
    kind: str,
    payload: Payload,
    dedupe_key: str | None = None,
    max_attempts: int | None = None,
    created_by_id: int | None = None,
    run_after: datetime | None = None,
) -> Job:
    """Add a job to the caller's transaction (flushed, never committed).

    ``payload`` holds ids only; the kind's ``prepare`` re-loads the rows. With ``dedupe_key``,
    enqueueing again while a job with that key exists (in any state) returns that job.
    ``max_attempts`` defaults to the dispatcher's setting. ``run_after`` (timezone-aware) keeps
    the job from being claimed before that time; the dispatcher's poll picks it up after it.
    """
    known = kinds_of(db.info)
    if known is not None:
        known.get(kind)  # an unknown kind fails here, in the request, rather than later unseen
    if max_attempts is not None and max_attempts < 1:
        raise ValueError("max_attempts must be at least 1")
    if run_after is not None and run_after.tzinfo is None:
        raise ValueError("run_after must be timezone-aware")
    encoded = json.dumps(payload)
    if len(encoded) > MAX_PAYLOAD_CHARS:
        raise ValueError("a job payload holds ids only; the handler re-loads the rest")
    values: dict[str, Any] = {
        "kind": kind,
        "payload": json.loads(encoded),
        "dedupe_key": dedupe_key,
        "max_attempts": max_attempts,
        "created_by_id": created_by_id,
        "run_after": run_after,
    }
    job = _insert(db, values)
    db.info[ENQUEUED] = True
    return job


def _insert(db: Session, values: dict[str, Any]) -> Job:
    key = values["dedupe_key"]
    if key is None:
        job = Job(**values)
        db.add(job)
        db.flush()
        return job
    dialect = db.get_bind().dialect.name
    if dialect in ("sqlite", "postgresql"):
        # insert-or-nothing, so that two requests enqueueing the same key at once both succeed
        insert = sqlite.insert if dialect == "sqlite" else postgresql.insert
        stmt = insert(Job).values(**values).on_conflict_do_nothing(index_elements=["dedupe_key"])
        db.execute(stmt)
    elif db.scalar(select(Job.id).where(Job.dedupe_key == key)) is None:
        db.add(Job(**values))
        db.flush()
    job = db.scalars(select(Job).where(Job.dedupe_key == key)).one()
    return job


def claim_next(
    db: Session,
    *,
    owner: str,
    limit: int,
    kinds: Collection[str] | None = None,
    lease_seconds: float = DEFAULT_LEASE_SECONDS,
    default_max_attempts: int = DEFAULT_MAX_ATTEMPTS,
    now: datetime | None = None,
) -> list[Job]:
    """Move up to ``limit`` of the oldest queued jobs to running for ``owner`` and return them.

    The UPDATE is guarded (``… AND status = 'queued'``), so two dispatchers never take the same
    job: SQLite runs one writer at a time and the second finds the rows no longer queued; on
    PostgreSQL the pick locks its rows and a concurrent pick skips them. (One statement with
    the pick as an ``IN`` subquery is not safe there: PostgreSQL may run the subquery again
    and update more than ``limit`` rows.) Each claim starts an attempt. ``kinds`` limits the
    claim to kinds this process can run. Jobs whose ``run_after`` is later than ``now`` wait.
    """
    if limit <= 0 or (kinds is not None and not kinds):
        return []
    now = now or utcnow()
    due = or_(Job.run_after.is_(None), Job.run_after <= now)
    pick = select(Job.id).where(Job.status == JobStatus.queued, due)
    if kinds is not None:
        pick = pick.where(Job.kind.in_(sorted(kinds)))
    picked = db.scalars(pick.order_by(Job.id).limit(limit).with_for_update(skip_locked=True))
    ids = list(picked)
    if not ids:
        return []
    stmt = (
        update(Job)
        .where(Job.id.in_(ids), Job.status == JobStatus.queued)
        .values(
            status=JobStatus.running,
            attempts=Job.attempts + 1,
            max_attempts=func.coalesce(Job.max_attempts, default_max_attempts),
            lease_owner=owner,
            lease_expires_at=now + timedelta(seconds=lease_seconds),
            started_at=now,
        )
        .returning(Job.id)
    )
    claimed = db.execute(stmt, execution_options={"synchronize_session": False}).scalars().all()
    if not claimed:
        return []
    jobs = db.scalars(
        select(Job)
        .where(Job.id.in_(claimed))
        .order_by(Job.id)
        .execution_options(populate_existing=True)
    )
    return list(jobs)


def claim(
    db: Session,
    *,
    job_id: int,
    owner: str,
    lease_seconds: float = DEFAULT_LEASE_SECONDS,
    default_max_attempts: int = DEFAULT_MAX_ATTEMPTS,
) -> Job | None:
    """Take one queued job for ``owner`` (a process that runs it itself, not through a
    dispatcher); None when it is not queued (someone else took it, or it ended)."""
    now = utcnow()
    stmt = (
        update(Job)
        .where(Job.id == job_id, Job.status == JobStatus.queued)
        .values(
            status=JobStatus.running,
            attempts=Job.attempts + 1,
            max_attempts=func.coalesce(Job.max_attempts, default_max_attempts),
            lease_owner=owner,
            lease_expires_at=now + timedelta(seconds=lease_seconds),
            started_at=now,
        )
        .returning(Job.id)
    )
    if db.execute(stmt, execution_options={"synchronize_session": False}).first() is None:
        return None
    return db.scalars(
        select(Job).where(Job.id == job_id).execution_options(populate_existing=True)
    ).one()


def _held(job_id: int, owner: str, attempt: int) -> list[ColumnElement[bool]]:
    return [
        Job.id == job_id,
        Job.status == JobStatus.running,
        Job.lease_owner == owner,
        Job.attempts == attempt,
    ]


def _change_held(db: Session, guard: list[ColumnElement[bool]], **values: Any) -> Job | None:
    """Apply ``values`` when ``guard`` still holds; the changed job, or None."""
    stmt = update(Job).where(*guard).values(**values).returning(Job.id)
    changed = db.execute(stmt, execution_options={"synchronize_session": False}).scalar()
    if changed is None:
        return None
    return db.get(Job, changed, populate_existing=True)


def touch(
    db: Session,
    *,
    job_id: int,
    owner: str,
    attempt: int,
    lease_seconds: float = DEFAULT_LEASE_SECONDS,
) -> Job | None:
    """Extend the lease of one held job; None when ``owner`` no longer holds this attempt."""
    expires = utcnow() + timedelta(seconds=lease_seconds)
    return _change_held(db, _held(job_id, owner, attempt), lease_expires_at=expires)


def renew_leases(
    db: Session,
    *,
    owner: str,
    job_ids: Collection[int],
    lease_seconds: float = DEFAULT_LEASE_SECONDS,
) -> int:
    """The heartbeat: extend the leases of the jobs ``owner`` is running; how many it holds.

    Only the jobs it names: a job the dispatcher lost track of then runs out of lease and is
    handed out again (``requeue_orphans``) instead of being held forever.
    """
    if not job_ids:
        return 0
    stmt = (
        update(Job)
        .where(
            Job.status == JobStatus.running,
            Job.lease_owner == owner,
            Job.id.in_(sorted(job_ids)),
        )
        .values(lease_expires_at=utcnow() + timedelta(seconds=lease_seconds))
        .returning(Job.id)
    )
    return len(db.execute(stmt, execution_options={"synchronize_session": False}).all())


def finish(db: Session, *, job_id: int, owner: str, attempt: int, result: Any) -> Job | None:
    """Mark the attempt succeeded, keeping ``result`` when it is small JSON.

    None when ``owner`` no longer holds this attempt: then the caller must not apply the result
    (another dispatcher has taken the job over).
    """
    return _change_held(
        db,
        _held(job_id, owner, attempt),
        status=JobStatus.succeeded,
        finished_at=utcnow(),
        lease_owner=None,
        lease_expires_at=None,
        error=None,
        result=small_json(result),
    )


def retry_or_fail(db: Session, *, job_id: int, owner: str, attempt: int, error: str) -> Job | None:
    """After a failed attempt: queue the job again, or mark it failed once it has used up its
    attempts. ``error`` says what went wrong in plain words. None when not held."""
    return _retry_or_fail(db, _held(job_id, owner, attempt), attempt=attempt, error=error)


def _retry_or_fail(
    db: Session, guard: list[ColumnElement[bool]], *, attempt: int, error: str
) -> Job | None:
    failed = _change_held(
        db,
        [*guard, Job.attempts >= Job.max_attempts],
        status=JobStatus.failed,
        finished_at=utcnow(),
        lease_owner=None,
        lease_expires_at=None,
        error=final_error(error, attempt),
    )
    if failed is not None:
        return failed
    return _change_held(
        db, guard, status=JobStatus.queued, lease_owner=None, lease_expires_at=None, error=error
    )


def release(db: Session, *, job_id: int, owner: str, attempt: int) -> bool:
    """Give a held job back to the queue without counting the attempt (a clean shutdown)."""
    return (
        _change_held(
            db,
            _held(job_id, owner, attempt),
            status=JobStatus.queued,
            attempts=Job.attempts - 1,
            lease_owner=None,
            lease_expires_at=None,
        )
        is not None
    )


def requeue_orphans(
    db: Session,
    *,
    owner: str,
    kinds: Collection[str] | None = None,
    now: datetime | None = None,
) -> list[Job]:
    """Hand out again the running jobs whose dispatcher is gone; returns the jobs it changed.

    A holder is gone when its lease has run out, or when it was a process of this machine that
    no longer runs (``owners.owner_is_gone``). ``owner``'s own jobs count only once their lease
    ran out (it lost track of them). The attempt stays counted, so a job that keeps taking its
    hub down ends: the ones that used up their attempts are returned as failed.
    """
    now = now or utcnow()
    running = select(Job).where(Job.status == JobStatus.running)
    if kinds is not None:
        running = running.where(Job.kind.in_(sorted(kinds)))
    changed: list[Job] = []
    for job in db.scalars(running).all():
        holder, attempt = job.lease_owner, job.attempts
        expired = job.lease_expires_at is None or job.lease_expires_at <= now
        if holder is not None and not expired and (holder == owner or not owner_is_gone(holder)):
            continue
        guard = [
            Job.id == job.id,
            Job.status == JobStatus.running,
            Job.attempts == attempt,
            Job.lease_owner.is_(None) if holder is None else Job.lease_owner == holder,
        ]
        again = _retry_or_fail(db, guard, attempt=attempt, error=JOB_LOST)
        if again is not None:
            changed.append(again)
    return changed


def final_error(error: str, attempts: int) -> str:
    """The error of a job that has failed for good: the last attempt's, and how many it had."""
    tries = "1 attempt" if attempts == 1 else f"{attempts} attempts"
    return f"{error.rstrip('.')}. Gave up after {tries}."


@runtime_checkable
class ReportsJson(Protocol):
    """A typed result that says what the job's row keeps of it (a small JSON copy)."""

    def job_json(self) -> Any: ...


def small_json(value: Any) -> Any:
    """``value`` (or its ``job_json()``) as JSON when it is JSON and small, else None (results
    go to the kind's tables; the job row keeps a small copy for the API and for debugging)."""
    if isinstance(value, ReportsJson):
        value = value.job_json()
    try:
        encoded = json.dumps(value, allow_nan=False)
    except (TypeError, ValueError):
        return None
    return json.loads(encoded) if len(encoded) <= MAX_RESULT_CHARS else None


def get_job(db: Session, *, job_id: int, viewer: User) -> Job:
    """One job, for an admin or the person whose action created it; ``JobNotFound`` otherwise
    (also when it exists: others do not learn which jobs there are)."""
    job = db.get(Job, job_id)
    if job is None or not (viewer.role.at_least(Role.admin) or job.created_by_id == viewer.id):
        raise JobNotFound()
    return job


def list_jobs(
    db: Session,
    *,
    status: JobStatus | None = None,
    kind: str | None = None,
    limit: int = 50,
) -> list[Job]:
    """The newest jobs, optionally of one status and kind (for admins)."""
    query = select(Job).order_by(Job.id.desc()).limit(limit)
    if status is not None:
        query = query.where(Job.status == status)
    if kind is not None:
        query = query.where(Job.kind == kind)
    return list(db.scalars(query))


def count_unfinished(db: Session, *, kinds: Collection[str] | None = None) -> int:
    """How many jobs are queued or running (of ``kinds`` when given)."""
    query = select(func.count()).select_from(Job).where(Job.status.in_(_UNFINISHED))
    if kinds is not None:
        query = query.where(Job.kind.in_(sorted(kinds)))
    return int(db.scalar(query) or 0)
