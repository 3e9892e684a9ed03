"""Queueing checks (in the transaction of the change that needs them) and reading results."""

from __future__ import annotations

from collections.abc import Collection

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from modelhub.accounts.models import User
from modelhub.catalog.models import ResourceVersion, VersionStatus
from modelhub.checks.models import CheckRun, CheckStatus
from modelhub.jobs import service as jobs

CHECK_JOB = "check"


def queue_check(
    db: Session, *, version: ResourceVersion, trigger: str, requested_by: User | None = None
) -> CheckRun:
    """A new check run of ``version`` and its job, written with the caller's transaction (the
    job is only handed out once that transaction commits)."""
    run = CheckRun(
        version_id=version.id,
        status=CheckStatus.queued,
        trigger=trigger,
        requested_by_id=requested_by.id if requested_by else None,
        static_summary=version.validation,
        formats={},
        summaries={},
        library_versions={},
        log="",
    )
    db.add(run)
    db.flush()
    job = jobs.enqueue(
        db,
        kind=CHECK_JOB,
        payload={"check_run_id": run.id},
        dedupe_key=f"check:{run.id}",
        created_by_id=requested_by.id if requested_by else None,
    )
    run.job_id = job.id
    return run


def runs_of(db: Session, *, version: ResourceVersion) -> list[CheckRun]:
    """Every check of a version, newest first."""
    return list(
        db.scalars(
            select(CheckRun)
            .where(CheckRun.version_id == version.id)
            .order_by(CheckRun.created_at.desc(), CheckRun.id.desc())
        )
    )


def latest_run(db: Session, *, version: ResourceVersion) -> CheckRun | None:
    """The version's most recent check (what approval and the review queue go by)."""
    return db.scalar(
        select(CheckRun).where(CheckRun.version_id == version.id).order_by(CheckRun.id.desc())
    )


def latest_runs(db: Session, *, version_ids: Collection[int]) -> dict[int, CheckRun]:
    """The most recent check of each of ``version_ids`` (those never checked left out), in one
    query, for pages listing many versions."""
    if not version_ids:
        return {}
    newest = (
        select(func.max(CheckRun.id))
        .where(CheckRun.version_id.in_(set(version_ids)))
        .group_by(CheckRun.version_id)
    )
    return {
        run.version_id: run for run in db.scalars(select(CheckRun).where(CheckRun.id.in_(newest)))
    }


def latest_per_library(runs: list[CheckRun]) -> list[CheckRun]:
    """The newest run for each library version (runs still queued have no key yet and come
    first): what a page shows as the current results."""
    seen: set[str | None] = set()
    out = []
    for run in runs:
        key = run.library_key if run.status.finished else f"pending-{run.id}"
        if key not in seen:
            seen.add(key)
            out.append(run)
    return out


def queue_all_published(db: Session, *, requested_by: User) -> list[CheckRun]:
    """Re-check every published version (e.g. after a library upgrade)."""
    versions = db.scalars(
        select(ResourceVersion).where(ResourceVersion.status == VersionStatus.published)
    )
    return [
        queue_check(db, version=v, trigger="recheck-all", requested_by=requested_by)
        for v in versions
    ]
