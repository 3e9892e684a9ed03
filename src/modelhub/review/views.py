"""Review rows as the JSON shapes the API and the pages share."""

from __future__ import annotations

from sqlalchemy.orm import Session

from modelhub.accounts.models import User
from modelhub.catalog import access
from modelhub.catalog.models import ResourceVersion
from modelhub.checks.service import latest_run
from modelhub.links import Links
from modelhub.review import duty
from modelhub.review.lifecycle import ACTIONS, Who
from modelhub.review.models import ReviewComment, ReviewEvent
from modelhub.review.schemas import (
    CheckState,
    CommentRead,
    EventRead,
    QueueItem,
    ReviewState,
    ThreadEntry,
)
from modelhub.review.thread import ThreadItem


def event_read(event: ReviewEvent, actor: str) -> EventRead:
    return EventRead(
        id=event.id,
        revision=event.revision,
        action=event.action,
        from_status=event.from_status,
        to_status=event.to_status,
        actor=actor,
        message=event.message,
        override_reason=event.override_reason,
        created_at=event.created_at,
    )


def comment_read(note: ReviewComment, author: str) -> CommentRead:
    return CommentRead(
        id=note.id,
        revision=note.revision,
        author=author,
        body=note.body,
        body_html=note.body_html,
        created_at=note.created_at,
    )


def thread_entry(item: ThreadItem) -> ThreadEntry:
    if item.comment is not None:
        return ThreadEntry(kind="comment", comment=comment_read(item.comment, item.author))
    if item.event is None:
        raise ValueError("a thread item holds a comment or an event; this one holds neither")
    return ThreadEntry(kind="event", event=event_read(item.event, item.author))


def check_state(db: Session, version: ResourceVersion) -> CheckState:
    run = latest_run(db, version=version)
    if run is None:
        return CheckState(id=None, status=None, reason=None)
    return CheckState(id=run.id, status=run.status.value, reason=run.reason)


def allowed_actions(
    db: Session, *, version: ResourceVersion, viewer: User, allow_own: bool
) -> tuple[list[str], dict[str, str]]:
    """What ``viewer`` may do with the open revision now (buttons on the page), and why an
    action the state would allow is withheld from them (said on the page instead)."""
    maintainer = access.can_upload_to(db, resource=version.resource, user=viewer)
    reviewer = duty.may_review(db, version=version, user=viewer)
    allowed = [
        name
        for name, step in ACTIONS.items()
        if version.status in step.sources
        and (maintainer if step.who is Who.maintainers else reviewer)
    ]
    withheld: dict[str, str] = {}
    if "approve" in allowed and not allow_own and version.uploader_id == viewer.id:
        allowed.remove("approve")
        withheld["approve"] = (
            "You uploaded this revision, so another reviewer or admin must approve it "
            "(nobody approves their own upload)."
        )
    return [*allowed, "comment"], withheld


def review_state(
    db: Session,
    *,
    version: ResourceVersion,
    viewer: User,
    items: list[ThreadItem],
    allow_own: bool,
) -> ReviewState:
    uploader = db.get(User, version.uploader_id)
    actions, withheld = allowed_actions(db, version=version, viewer=viewer, allow_own=allow_own)
    return ReviewState(
        resource_id=version.resource_id,
        name=version.name,
        revision=version.revision,
        status=version.status,
        uploader=uploader.username if uploader else "?",
        change_note=version.change_note,
        created_at=version.created_at,
        check=check_state(db, version),
        actions=actions,
        withheld=withheld,
        thread=[thread_entry(i) for i in items],
    )


def queue_item(
    db: Session, version: ResourceVersion, last: ReviewEvent | None, links: Links
) -> QueueItem:
    uploader = db.get(User, version.uploader_id)
    return QueueItem(
        resource_id=version.resource_id,
        name=version.name,
        revision=version.revision,
        status=version.status,
        uploader=uploader.username if uploader else "?",
        since=last.created_at if last else version.created_at,
        check=check_state(db, version),
        url=links.review_api(version.resource_id),
        partners=duty.claims(db, version=version),
    )
