"""Pulling a partner's test summaries: the ``summary_pull`` job kind, asking for a pull (the
API, the partner page, the maintenance loop) and the pull's state.

One pull per partner runs at a time across processes: the job's dedupe key carries the
partner's pull generation (``SummaryPull.generation``), which only the end of that job
(``apply`` or ``fail``) moves on; asking again meanwhile finds the same job."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from modelhub.catalog.models import Resource, ResourceType, ResourceVersion, VersionStatus
from modelhub.compat import service
from modelhub.compat.models import SummaryOrigin, SummaryPull
from modelhub.compat.schemas import PullState
from modelhub.config import Settings
from modelhub.db import utcnow
from modelhub.fetch.policy import FetchPolicy
from modelhub.jobs import service as jobs
from modelhub.jobs.models import Job, JobStatus
from modelhub.jobs.registry import JobKind
from modelhub.partners.models import Partner
from modelhub.summaries.layout import PullResult, PullTask, Target, pull

PULL_JOB = "summary_pull"
MAX_VERSIONS = 500  # newest published versions read per pull
MAX_FILE_BYTES = 4 * 1024**2


def _state(db: Session, partner_id: str) -> SummaryPull:
    """The partner's pull row, made when missing (insert-or-nothing: two processes at once)."""
    insert = postgresql.insert if db.get_bind().dialect.name == "postgresql" else sqlite.insert
    db.execute(
        insert(SummaryPull)
        .values(partner_id=partner_id, generation=0, last_stored=0, last_problems=[])
        .on_conflict_do_nothing()
    )
    found = db.get(SummaryPull, partner_id)
    if found is None:
        raise RuntimeError("the pull row just made is gone")
    return found


def _key(partner_id: str, generation: int) -> str:
    return f"summary-pull:{partner_id}:{generation}"


def request_pull(db: Session, *, partner: Partner, requested_by: int | None = None) -> Job:
    """Queue a pull of ``partner``'s summaries, or find the one queued or running."""
    state = _state(db, partner.id)
    return jobs.enqueue(
        db,
        kind=PULL_JOB,
        payload={"partner_id": partner.id, "generation": state.generation},
        dedupe_key=_key(partner.id, state.generation),
        max_attempts=1,
        created_by_id=requested_by,
    )


def running(db: Session, *, partner_id: str, generation: int) -> bool:
    status = db.scalar(select(Job.status).where(Job.dedupe_key == _key(partner_id, generation)))
    return status is not None and not JobStatus(status).finished


def state_of(db: Session, *, partner_id: str) -> PullState:
    partner = db.get(Partner, partner_id)
    state = db.get(SummaryPull, partner_id)
    return PullState(
        partner_id=partner_id,
        test_summary_url=partner.test_summary_url if partner else None,
        running=state is not None
        and running(db, partner_id=partner_id, generation=state.generation),
        last_started_at=state.last_started_at if state else None,
        last_finished_at=state.last_finished_at if state else None,
        last_stored=state.last_stored if state else 0,
        last_problems=list(state.last_problems) if state else [],
    )


def request_due(db: Session, *, interval_s: float) -> int:
    """Queue a pull for every partner with a ``test_summary_url`` whose last pull ended more
    than ``interval_s`` ago (or never ran); how many partners were asked."""
    cutoff = utcnow() - timedelta(seconds=interval_s)
    asked = 0
    for partner in db.scalars(select(Partner).where(Partner.test_summary_url.is_not(None))):
        state = db.get(SummaryPull, partner.id)
        if state is None or state.last_finished_at is None or state.last_finished_at < cutoff:
            request_pull(db, partner=partner)
            asked += 1
    return asked


def targets_of(db: Session) -> tuple[Target, ...]:
    """The versions partners test: published, not yanked models, newest first."""
    rows = db.execute(
        select(ResourceVersion.resource_id, ResourceVersion.number)
        .join(Resource, Resource.id == ResourceVersion.resource_id)
        .where(
            Resource.type == ResourceType.model,
            ResourceVersion.status == VersionStatus.published,
            ResourceVersion.yanked_at.is_(None),
        )
        .order_by(ResourceVersion.published_at.desc(), ResourceVersion.id.desc())
        .limit(MAX_VERSIONS)
    )
    return tuple(Target(rid, number) for rid, number in rows if number is not None)


def _finish(db: Session, payload: dict[str, Any], stored: int, problems: list[str]) -> None:
    """End this generation's pull (once: a second apply finds the generation moved on)."""
    db.execute(
        update(SummaryPull)
        .where(
            SummaryPull.partner_id == payload["partner_id"],
            SummaryPull.generation == payload["generation"],
        )
        .values(
            generation=SummaryPull.generation + 1,
            last_finished_at=utcnow(),
            last_stored=stored,
            last_problems=problems[:100],
        )
    )


def make_kind(settings: Settings) -> JobKind:
    """The ``summary_pull`` kind; ``settings`` are read when each pull is prepared."""

    def prepare(db: Session, payload: dict[str, Any]) -> PullTask:
        partner = db.get(Partner, payload["partner_id"])
        state = _state(db, payload["partner_id"])
        state.last_started_at = utcnow()
        policy = FetchPolicy.of(settings, max_bytes=MAX_FILE_BYTES)
        if partner is None or partner.test_summary_url is None:
            return PullTask(base=None, targets=(), policy=policy)
        return PullTask(base=partner.test_summary_url, targets=targets_of(db), policy=policy)

    def apply(db: Session, payload: dict[str, Any], result: PullResult) -> None:
        state = db.get(SummaryPull, payload["partner_id"])
        if state is None or state.generation != payload["generation"]:
            return  # applied before
        stored = 0
        for found in result.found:
            version = db.scalar(
                select(ResourceVersion).where(
                    ResourceVersion.resource_id == found.resource_id,
                    ResourceVersion.number == found.number,
                )
            )
            if version is not None:
                stored += service.store(
                    db,
                    partner_id=payload["partner_id"],
                    version=version,
                    summaries=found.summaries,
                    origin=SummaryOrigin.pull,
                    source_url=found.url,
                )
        _finish(db, payload, stored, result.problems)

    def fail(db: Session, payload: dict[str, Any], error: str) -> None:
        _finish(db, payload, 0, [f"The pull did not run: {error}"])

    run: Callable[[PullTask], PullResult] = pull
    return JobKind(name=PULL_JOB, prepare=prepare, run=run, apply=apply, fail=fail)
