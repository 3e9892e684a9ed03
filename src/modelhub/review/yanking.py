"""Yanking: an admin flags a published version as not to be used (with a reason). Its files
stay downloadable and unchanged; "latest" moves to the newest version that is not yanked."""

from __future__ import annotations

from sqlalchemy.orm import Session

from modelhub import events
from modelhub.accounts.models import User
from modelhub.catalog import access
from modelhub.catalog.models import Resource, ResourceVersion, VersionStatus
from modelhub.catalog.service import get_version, refresh_latest
from modelhub.db import utcnow
from modelhub.errors import Conflict, ErrorDetail, Forbidden, InvalidRequest, ResourceNotFound
from modelhub.events.types import VersionUnyanked, VersionYanked
from modelhub.review.lifecycle import record


def _published(db: Session, *, resource_id: str, label: str, actor: User) -> ResourceVersion:
    if not access.can_publish(actor):
        raise Forbidden("Only admins can yank a version or lift a yank.")
    version = get_version(db, resource_id=resource_id, label=label, viewer=actor)
    if version.status is not VersionStatus.published:
        raise Conflict(
            f"Only published versions can be yanked; this is {version.status.value}.",
            code="not_published",
        )
    return version


def yank(db: Session, *, resource_id: str, label: str, actor: User, reason: str) -> ResourceVersion:
    """Flag a published version as yanked (admins); the reason is shown wherever it is."""
    reason = reason.strip()
    if not reason:
        raise InvalidRequest(
            "Please say why this version is yanked; people who use it will read it.",
            [ErrorDetail(("body", "reason"), "required")],
            code="reason_required",
        )
    version = _published(db, resource_id=resource_id, label=label, actor=actor)
    if version.yanked_at is not None:
        raise Conflict(f"{version.label} of '{resource_id}' is already yanked.", code="yanked")
    flag(db, version=version, actor=actor, reason=reason)
    return version


def flag(db: Session, *, version: ResourceVersion, actor: User, reason: str) -> None:
    """Yank a published version that is not yanked, without asking who ``actor`` is: the
    caller decided (``yank``, or a partner's sync retiring an entry it no longer lists)."""
    version.yanked_at = utcnow()
    version.yanked_by_id = actor.id
    version.yank_reason = reason
    _after(db, version=version, actor=actor, action="yank", message=reason)


def lift(db: Session, *, version: ResourceVersion, actor: User) -> None:
    """Lift the yank of a yanked version; the caller decided that ``actor`` may."""
    version.yanked_at = None
    version.yanked_by_id = None
    version.yank_reason = None
    _after(db, version=version, actor=actor, action="unyank", message=None)


def unyank(db: Session, *, resource_id: str, label: str, actor: User) -> ResourceVersion:
    """Lift the yank of a version (admins)."""
    version = _published(db, resource_id=resource_id, label=label, actor=actor)
    if version.yanked_at is None:
        raise Conflict(f"{version.label} of '{resource_id}' is not yanked.", code="not_yanked")
    lift(db, version=version, actor=actor)
    return version


def _after(
    db: Session, *, version: ResourceVersion, actor: User, action: str, message: str | None
) -> None:
    db.flush()
    resource = db.get(Resource, version.resource_id)
    if resource is None:
        raise ResourceNotFound()
    refresh_latest(db, resource=resource)
    record(
        db,
        version_id=version.id,
        resource_id=version.resource_id,
        revision=version.revision,
        action=action,
        from_status="published" if action == "yank" else "yanked",
        to_status="yanked" if action == "yank" else "published",
        actor=actor,
        message=message,
    )
    if version.number is not None:
        fact = VersionYanked if action == "yank" else VersionUnyanked
        events.record(
            db,
            fact(
                resource_id=version.resource_id,
                version_id=version.id,
                number=version.number,
                actor_id=actor.id,
            ),
        )
