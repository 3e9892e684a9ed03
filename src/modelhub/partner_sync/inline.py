"""Running one partner's sync in this process (``modelhub partners sync --wait``, ``modelhub
mirror``): the same job, claimed, prepared, run and applied here when no hub process has taken
it yet; otherwise this waits for the process that did."""

from __future__ import annotations

import time
from typing import Any

from modelhub.hub import Hub
from modelhub.jobs import service as jobs
from modelhub.jobs.models import Job, JobStatus
from modelhub.jobs.owners import new_owner_id
from modelhub.jobs.registry import SkipJob
from modelhub.partner_sync.apply import apply_result, record_failure
from modelhub.partner_sync.tasks import SyncSettings, make_kind
from modelhub.partner_sync.worker import run_sync

LEASE_S = 3600.0  # no heartbeat here: a lease longer than any sync (a dead process is seen)


def run_here(hub: Hub, *, job_id: int, settings: SyncSettings, timeout_s: float = 3600) -> Job:
    """Run the queued sync ``job_id`` in this process (again while it is queued for a retry),
    or wait for the process running it; the job as it ended (or as it is at ``timeout_s``)."""
    owner = new_owner_id()
    deadline = time.monotonic() + timeout_s
    while True:
        with hub.sessions() as db:
            job = jobs.claim(db, job_id=job_id, owner=owner, lease_seconds=LEASE_S)
            db.commit()
            if job is not None:
                db.expunge(job)
        if job is not None:
            _run(hub, job=job, owner=owner, settings=settings)
        with hub.sessions() as db:
            found = db.get(Job, job_id)
            if found is None:
                raise LookupError(f"job {job_id} is gone")
            db.expunge(found)
        if found.status.finished or time.monotonic() > deadline:
            return found
        if found.status is JobStatus.running:
            time.sleep(0.5)


def _run(hub: Hub, *, job: Job, owner: str, settings: SyncSettings) -> None:
    kind = make_kind(settings, hub.storage)
    payload: dict[str, Any] = dict(job.payload)
    held = jobs.Held(job_id=job.id, owner=owner, attempt=job.attempts)
    with hub.sessions() as db:
        try:
            task = kind.prepare(db, payload)
        except SkipJob as exc:
            jobs.finish(db, **held, result={"skipped": str(exc)})
            db.commit()
            return
        db.commit()
    try:
        result = run_sync(task)
    except Exception as exc:  # as a dispatcher does: retried, or failed for good
        with hub.sessions() as db:
            after = jobs.retry_or_fail(db, **held, error=str(exc) or type(exc).__name__)
            if after is not None and after.status is JobStatus.failed:
                record_failure(db, partner_id=str(payload["partner_id"]), error=str(exc))
            db.commit()
        return
    with hub.sessions() as db:
        if jobs.finish(db, **held, result=result) is not None:
            apply_result(db, hub.storage, partner_id=str(payload["partner_id"]), result=result)
        db.commit()
