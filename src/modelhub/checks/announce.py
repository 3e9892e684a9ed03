"""Who hears that a check finished, and what they read (subscribed at the composition root)."""

from __future__ import annotations

from sqlalchemy.orm import Session

from modelhub.catalog.access import people_of
from modelhub.catalog.models import ResourceVersion
from modelhub.checks.models import CheckRun
from modelhub.events.announcement import Announcement
from modelhub.events.types import CheckFinished
from modelhub.links import Links

_VERDICTS = {"passed": "passed", "failed": "failed", "error": "could not run"}


def finished(db: Session, event: CheckFinished) -> Announcement | None:
    """The version's people hear the verdict, per weight format."""
    run = db.get(CheckRun, event.check_run_id)
    version = db.get(ResourceVersion, event.version_id)
    if run is None or version is None:
        return None
    label = version.label if version.number is not None else f"draft revision {version.revision}"
    verdict = _VERDICTS[run.status.value]
    lines = [f"The automated check of {version.resource_id} ({label}) {verdict}."]
    if run.reason:
        lines.append(run.reason)
    for name, result in sorted(run.formats.items()):
        detail = f" — {result['reason']}" if result.get("reason") else ""
        lines.append(f"- {name}: {result.get('status')}{detail}")
    return Announcement(
        user_ids=tuple(u.id for u in people_of(db, version=version)),
        event="check.finished",
        subject=f"Check {verdict}: {version.name} ({version.resource_id})",
        body="\n".join(lines),
        link=Links.resource_path(version.resource_id, version.label),
        about=f"check{run.id}",
        payload={
            "resource": {"id": version.resource_id, "name": version.name},
            "revision": version.revision,
            "version": label,
            "check": {"id": run.id, "status": run.status.value, "reason": run.reason},
            "formats": {k: v.get("status") for k, v in run.formats.items()},
        },
    )
