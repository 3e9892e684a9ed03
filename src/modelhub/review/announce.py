"""Who hears about a review event, and what they read: the announcement of a committed
``ReviewMoved`` or ``CommentAdded``, which the composition root hands to the notification and
webhook channels. Reads the rows the event names; sends nothing itself."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from modelhub.accounts.models import Role, User
from modelhub.catalog.access import people_of
from modelhub.catalog.models import ResourceVersion, VersionStatus
from modelhub.events.announcement import Announcement
from modelhub.events.types import CommentAdded, ReviewMoved
from modelhub.links import Links
from modelhub.review import duty, thread
from modelhub.review.models import ReviewComment, ReviewEvent

_SUBJECTS = {
    "submit": "Review requested",
    "withdraw": "Draft withdrawn",
    "request_changes": "Changes requested",
    "reject": "Draft rejected",
    "approve": "Published",
    "yank": "Version yanked",
    "unyank": "Yank lifted",
}


def reviewers(db: Session) -> list[User]:
    return list(
        db.scalars(
            select(User).where(User.role.in_([Role.reviewer, Role.admin]), User.is_active.is_(True))
        )
    )


def participants(db: Session, *, version: ResourceVersion) -> list[User]:
    """Everybody who acted on or commented in this draft's review so far."""
    floor = thread.cycle_floor(db, resource_id=version.resource_id, revision=version.revision)
    ids = set(
        db.scalars(
            select(ReviewEvent.actor_id).where(
                ReviewEvent.resource_id == version.resource_id, ReviewEvent.revision > floor
            )
        )
    )
    ids.update(
        db.scalars(
            select(ReviewComment.author_id).where(
                ReviewComment.resource_id == version.resource_id, ReviewComment.revision > floor
            )
        )
    )
    return list(db.scalars(select(User).where(User.id.in_(ids), User.is_active.is_(True))))


def _as_at(version: ResourceVersion, to_status: str) -> tuple[str, str]:
    """(label, status) of the version as the event left it: a submit announced after the
    approval that followed it still speaks of the draft. (A yank keeps the version published.)"""
    if to_status in ("published", "yanked") and version.number is not None:
        return f"v{version.number}", VersionStatus.published.value
    if to_status not in VersionStatus.__members__:
        return version.label, version.status.value
    moved = VersionStatus(to_status)
    return ("draft" if moved.is_open else f"r{version.revision}"), moved.value


def _payload(
    version: ResourceVersion, actor: User, label: str, status: str, **extra: Any
) -> dict[str, Any]:
    return {
        "resource": {
            "id": version.resource_id,
            "name": version.name,
            "type": version.resource.type.value,
        },
        "revision": version.revision,
        "version": label,
        "status": status,
        "actor": actor.username,
        **extra,
    }


def transition(db: Session, moved: ReviewMoved) -> Announcement | None:
    """One audit row, for the draft's people and the reviewers involved (all reviewers and
    the maintainers of the partners it claims, for a new submission), never for the actor."""
    event = db.get(ReviewEvent, moved.review_event_id)
    version = db.get(ResourceVersion, moved.version_id)
    actor = db.get(User, moved.actor_id)
    if event is None or version is None or actor is None:
        return None
    audience = people_of(db, version=version) + participants(db, version=version)
    if event.action == "submit":
        audience += reviewers(db) + duty.reviewers_for(db, version=version)
    label, status = _as_at(version, event.to_status)
    subject = f"{_SUBJECTS.get(event.action, event.action)}: {version.name} ({version.resource_id})"
    what = label if label.startswith("v") else f"revision {version.revision}"
    lines = [f"{actor.username}: {event.from_status} → {event.to_status} ({what})."]
    if event.message:
        lines += ["", event.message]
    if event.override_reason:
        lines += ["", f"Approved without a passed check: {event.override_reason}"]
    return Announcement(
        user_ids=tuple(u.id for u in audience if u.id != actor.id),
        event=f"review.{event.action}",
        subject=subject,
        body="\n".join(lines),
        link=Links.resource_path(version.resource_id, label),
        about=f"review-event{event.id}",
        payload=_payload(
            version, actor, label, status, action=event.action, from_status=event.from_status,
            to_status=event.to_status, message=event.message,
            override_reason=event.override_reason,
        ),
    )  # fmt: skip


def comment(db: Session, added: CommentAdded) -> Announcement | None:
    """A comment, for the draft's people and the reviewers involved."""
    note = db.get(ReviewComment, added.comment_id)
    version = db.get(ResourceVersion, added.version_id)
    actor = db.get(User, added.actor_id)
    if note is None or version is None or actor is None:
        return None
    audience = people_of(db, version=version) + participants(db, version=version)
    excerpt = note.body if len(note.body) <= 2000 else note.body[:2000] + " …"
    return Announcement(
        user_ids=tuple(u.id for u in audience if u.id != actor.id),
        event="review.comment",
        subject=f"New comment: {version.name} ({version.resource_id})",
        body=f"{actor.username} wrote on revision {version.revision}:\n\n{excerpt}",
        link=Links.resource_path(version.resource_id, version.label, comment=note.id),
        about=f"review-comment{note.id}",
        payload=_payload(
            version,
            actor,
            version.label,
            version.status.value,
            comment={"id": note.id, "body": note.body},
        ),
    )
