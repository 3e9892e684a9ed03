"""Writing a check's result (idempotently) and telling the people concerned."""

from __future__ import annotations

from sqlalchemy.orm import Session

from modelhub.catalog.models import ResourceVersion
from modelhub.checks.models import CheckRun, CheckStatus
from modelhub.checks.outcome import LOG_LIMIT, CheckReport
from modelhub.db import utcnow
from modelhub.notifications import service as notifications
from modelhub.notifications.fanout import announce


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
    label = version.label if version.number is not None else f"draft revision {version.revision}"
    verdict = {"passed": "passed", "failed": "failed", "error": "could not run"}[run.status.value]
    lines = [f"The automated check of {version.resource_id} ({label}) {verdict}."]
    if run.reason:
        lines.append(run.reason)
    for name, result in sorted(run.formats.items()):
        detail = f" — {result['reason']}" if result.get("reason") else ""
        lines.append(f"- {name}: {result.get('status')}{detail}")
    announce(
        db,
        users=notifications.people_of(db, version=version),
        event="check.finished",
        subject=f"Check {verdict}: {version.name} ({version.resource_id})",
        body="\n".join(lines),
        link=f"/resources/{version.resource_id}?version={version.label}",
        about=f"check{run.id}",
        payload={
            "resource": {"id": version.resource_id, "name": version.name},
            "revision": version.revision,
            "version": label,
            "check": {"id": run.id, "status": run.status.value, "reason": run.reason},
            "formats": {k: v.get("status") for k, v in run.formats.items()},
        },
    )
