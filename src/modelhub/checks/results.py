"""Writing a check's result (idempotently) and recording that it finished."""

from __future__ import annotations

from sqlalchemy.orm import Session

from modelhub import events
from modelhub.catalog.models import ResourceVersion
from modelhub.checks.models import CheckRun, CheckStatus
from modelhub.checks.outcome import LOG_LIMIT, CheckReport
from modelhub.db import utcnow
from modelhub.events.types import CheckFinished


def library_key(versions: dict[str, str]) -> str:
    """Results are kept per library version: this names the libraries that judged."""
    wanted = ("bioimageio.core", "bioimageio.spec")
    return ", ".join(f"{name} {versions[name]}" for name in wanted if name in versions) or "unknown"


def record_outcome(db: Session, *, check_run_id: int, outcome: CheckReport) -> None:
    """Store the worker's report; a second call with the same report changes nothing."""
    run = db.get(CheckRun, check_run_id)
    if run is None or run.status.finished:
        return
    run.formats = {name: result.row() for name, result in outcome.formats.items()}
    run.summaries = {
        name: dict(result.summary) for name, result in outcome.formats.items() if result.summary
    }
    run.library_versions = dict(outcome.library_versions)
    run.library_key = library_key(run.library_versions)
    run.reason = outcome.reason
    run.log = outcome.log[:LOG_LIMIT]
    run.duration_s = outcome.duration_s
    run.status = CheckStatus(outcome.status)
    run.finished_at = utcnow()
    _tell(db, run)


def record_failure(db: Session, *, check_run_id: int, error: str) -> None:
    """The job failed for good (e.g. it kept killing its worker): the check failed with that."""
    run = db.get(CheckRun, check_run_id)
    if run is None or run.status.finished:
        return
    run.status = CheckStatus.failed
    run.reason = f"The check could not finish: {error}"
    run.finished_at = utcnow()
    _tell(db, run)


def _tell(db: Session, run: CheckRun) -> None:
    version = db.get(ResourceVersion, run.version_id)
    if version is None:
        return
    # who hears of it (checks.announce) and the search badges are subscribed at the root
    finished = CheckFinished(
        check_run_id=run.id,
        version_id=version.id,
        resource_id=version.resource_id,
        status=run.status.value,
    )
    events.record(db, finished)
