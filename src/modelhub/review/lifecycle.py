"""The lifecycle of a revision, in one place: which action moves which state to which, who may
take it, and the guarded change that makes concurrent actions safe.

::

    upload ─▶ draft ──submit──▶ in_review ──approve──▶ published (vN)
                 ▲                 │ ╲──request changes──▶ changes_requested ──submit──▶ in_review
                 └── new upload ───┘  ╲──reject──▶ rejected
    withdraw: draft | in_review | changes_requested ─▶ withdrawn (by its maintainers)

A new upload supersedes the open revision, whatever its state (``uploads.service.ingest``).
"""

from __future__ import annotations

import enum
from dataclasses import dataclass

from sqlalchemy import update
from sqlalchemy.orm import Session

from modelhub import events
from modelhub.accounts.models import User
from modelhub.catalog.models import ResourceVersion
from modelhub.catalog.models import VersionStatus as S
from modelhub.db import utcnow
from modelhub.errors import Conflict
from modelhub.events.types import ReviewMoved
from modelhub.review.models import ReviewEvent


class Who(enum.StrEnum):
    """Who may take an action: the resource's maintainers (and admins), or reviewers (and
    admins)."""

    maintainers = "maintainers"
    reviewers = "reviewers"


@dataclass(frozen=True)
class Action:
    name: str
    sources: frozenset[S]
    target: S
    who: Who
    needs_message: bool = False
    past: str = ""  # for messages: "submitted", "approved", …


ACTIONS: dict[str, Action] = {
    a.name: a
    for a in (
        Action("submit", frozenset({S.draft, S.changes_requested}), S.in_review, Who.maintainers,
               past="submitted for review"),
        Action("withdraw", frozenset({S.draft, S.in_review, S.changes_requested}), S.withdrawn,
               Who.maintainers, past="withdrawn"),
        Action("request_changes", frozenset({S.in_review}), S.changes_requested, Who.reviewers,
               needs_message=True, past="sent back for changes"),
        Action("reject", frozenset({S.in_review}), S.rejected, Who.reviewers, needs_message=True,
               past="rejected"),
        Action("approve", frozenset({S.in_review}), S.published, Who.reviewers,
               past="approved and published"),
    )
}  # fmt: skip


def not_possible(action: Action, status: S, revision: int) -> Conflict:
    """The 409 for an action the revision's state does not allow."""
    allowed = " or ".join(sorted(s.value.replace("_", " ") for s in action.sources))
    return Conflict(
        f"Revision {revision} is {status.value.replace('_', ' ')}; it can only be "
        f"{action.past} while it is {allowed}.",
        code="invalid_transition",
    )


def move(
    db: Session,
    *,
    version_id: int,
    resource_id: str,
    revision: int,
    seen: S,
    action: Action,
    actor: User,
    message: str | None = None,
    override_reason: str | None = None,
    number: int | None = None,
) -> ReviewEvent:
    """Change the revision's state from ``seen`` to the action's target with one guarded UPDATE
    (``… WHERE status = seen``): of two people acting at the same moment exactly one succeeds,
    the other gets a 409. Writes the audit row in the same transaction; never commits."""
    if seen not in action.sources:
        raise not_possible(action, seen, revision)
    values: dict[str, object] = {"status": action.target}
    if number is not None:
        values["number"] = number
    result = db.execute(
        update(ResourceVersion)
        .where(ResourceVersion.id == version_id, ResourceVersion.status == seen)
        .values(**values)
        .execution_options(synchronize_session=False)
    )
    if result.rowcount != 1:  # type: ignore[attr-defined]
        raise Conflict(
            f"Someone else changed revision {revision} of '{resource_id}' a moment ago "
            f"(it is no longer {seen.value.replace('_', ' ')}). Reload to see what happened.",
            code="review_changed",
        )
    return record(
        db,
        version_id=version_id,
        resource_id=resource_id,
        revision=revision,
        action=action.name,
        from_status=seen.value,
        to_status=action.target.value,
        actor=actor,
        message=message,
        override_reason=override_reason,
    )


def record(
    db: Session,
    *,
    version_id: int,
    resource_id: str,
    revision: int,
    action: str,
    from_status: str,
    to_status: str,
    actor: User,
    message: str | None = None,
    override_reason: str | None = None,
) -> ReviewEvent:
    """Add one audit row and its ``ReviewMoved`` event (flushed, not committed)."""
    event = ReviewEvent(
        resource_id=resource_id,
        version_id=version_id,
        revision=revision,
        action=action,
        from_status=from_status,
        to_status=to_status,
        actor_id=actor.id,
        message=message,
        override_reason=override_reason,
        created_at=utcnow(),
    )
    db.add(event)
    db.flush()
    # who hears of it (review.announce) is subscribed at the composition root
    events.record(
        db,
        ReviewMoved(
            review_event_id=event.id,
            resource_id=resource_id,
            version_id=version_id,
            action=action,
            actor_id=actor.id,
        ),
    )
    return event
