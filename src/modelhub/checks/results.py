"""Writing a check's result (idempotently) and telling the people concerned."""

from __future__ import annotations

from typing import Any

from sqlalchemy.orm import Session

from modelhub.catalog.models import ResourceVersion
from modelhub.checks.models import CheckRun, CheckStatus
from modelhub.db import utcnow
from modelhub.notifications import service as notifications
from modelhub.notifications.fanout import announce

LOG_LIMIT = 256 * 1024


def library_key(versions: dict[str, str]) -> str:
    """Results are kept per library version: this names the libraries that judged."""
    wanted = ("bioimageio.core", "bioimageio.spec")
    return ", ".join(f"{name} {versions[name]}" for name in wanted if name in versions) or "unknown"


def record_outcome(db: Session, *, check_run_id: int, outcome: dict[str, Any]) -> None:
    """Store the runner's outcome; a second call with the same result changes nothing."""
    run = db.get(CheckRun, check_run_id)
    if run is None or run.status.finished:
        return
    formats = outcome.get("formats") or {}
    run.formats = {
        name: {k: r.get(k) for k in ("status", "reason", "duration_s", "decided_by", "outputs")}
        for name, r in formats.items()
    }
    run.summaries = {name: r.get("summary") for name, r in formats.items() if r.get("summary")}
    run.library_versions = dict(outcome.get("library_versions") or {})
    run.library_key = library_key(run.library_versions)
    run.reason = outcome.get("reason")
    run.log = str(outcome.get("log") or "")[:LOG_LIMIT]
    run.duration_s = outcome.get("duration_s")
    run.status = CheckStatus(outcome.get("status", "error"))
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
