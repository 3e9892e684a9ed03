"""The discussion of a draft: comments and transitions of its revisions, and the queue."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from modelhub import events
from modelhub.accounts.models import User
from modelhub.catalog import access
from modelhub.catalog.models import ResourceVersion, VersionStatus
from modelhub.errors import ErrorDetail, Forbidden, InvalidRequest
from modelhub.events.types import CommentAdded
from modelhub.partners.claims import claimed_partners
from modelhub.review import duty
from modelhub.review.models import ReviewComment, ReviewEvent
from modelhub.review.service import open_revision
from modelhub.web.markdown import render_markdown

MAX_COMMENT_CHARS = 20_000


def add_comment(
    db: Session, *, resource_id: str, actor: User, body: str, revision: int | None = None
) -> ReviewComment:
    """Comment on the open revision (its uploader, maintainers, reviewers and admins)."""
    version = open_revision(db, resource_id=resource_id, viewer=actor, revision=revision)
    text = body.strip()
    if not text or len(text) > MAX_COMMENT_CHARS:
        raise InvalidRequest(
            f"A comment needs some text, at most {MAX_COMMENT_CHARS:,} characters.",
            [ErrorDetail(("body", "body"), "empty" if not text else "too long")],
            code="invalid_comment",
        )
    note = ReviewComment(
        resource_id=resource_id,
        version_id=version.id,
        revision=version.revision,
        author_id=actor.id,
        body=text,
        body_html=render_markdown(text),
    )
    db.add(note)
    db.flush()
    events.record(
        db,
        CommentAdded(
            comment_id=note.id,
            resource_id=resource_id,
            version_id=version.id,
            actor_id=actor.id,
        ),
    )
    return note


@dataclass(frozen=True)
class ThreadItem:
    """A comment or a transition, in the order they happened."""

    comment: ReviewComment | None
    event: ReviewEvent | None
    author: str

    @property
    def sort_key(self) -> tuple[object, int, int]:
        row = self.comment or self.event
        if row is None:
            raise ValueError("a thread item holds a comment or an event; this one holds neither")
        return (row.created_at, 0 if self.event else 1, row.id)


def thread(db: Session, *, resource_id: str, viewer: User) -> list[ThreadItem]:
    """The open draft's thread: everything since the last published version."""
    version = open_revision(db, resource_id=resource_id, viewer=viewer)
    floor = cycle_floor(db, resource_id=resource_id, revision=version.revision)
    comments = db.scalars(
        select(ReviewComment).where(
            ReviewComment.resource_id == resource_id, ReviewComment.revision > floor
        )
    )
    events = db.scalars(
        select(ReviewEvent).where(
            ReviewEvent.resource_id == resource_id,
            ReviewEvent.revision > floor,
            ReviewEvent.revision <= version.revision,
            ReviewEvent.action.not_in(["yank", "unyank"]),
        )
    )
    comment_rows, event_rows = list(comments), list(events)
    ids = {c.author_id for c in comment_rows} | {e.actor_id for e in event_rows}
    names = dict(db.execute(select(User.id, User.username).where(User.id.in_(ids))).all())
    items = [ThreadItem(c, None, names.get(c.author_id, "?")) for c in comment_rows]
    items += [ThreadItem(None, e, names.get(e.actor_id, "?")) for e in event_rows]
    return sorted(items, key=lambda i: i.sort_key)


def queue(
    db: Session,
    *,
    viewer: User,
    status: VersionStatus = VersionStatus.in_review,
    partner: str | None = None,
) -> list[tuple[ResourceVersion, ReviewEvent | None]]:
    """Open revisions in ``status`` with the event that put them there, oldest first: every one
    for reviewers and admins, those claiming the viewer's partners for partner maintainers;
    with ``partner``, only those claiming that partner (its maintainers, reviewers, admins)."""
    mine = duty.partners_of(db, user=viewer)
    if partner is not None:
        if partner not in mine and not access.is_reviewer(viewer):
            raise Forbidden(
                f"Only the maintainers of '{partner}', reviewers and admins can see its "
                "review queue.",
                code=duty.NOT_PARTNER_REVIEW,
            )
        wanted: list[str] | None = [partner]
    elif access.is_reviewer(viewer):
        wanted = None
    elif mine:
        wanted = mine
    else:
        raise Forbidden("Only reviewers, admins and partner maintainers can see the review queue.")
    versions = list(db.scalars(select(ResourceVersion).where(ResourceVersion.status == status)))
    if wanted is not None:
        versions = [v for v in versions if claimed_partners(v.rdf or {}, wanted)]
    result = []
    for version in versions:
        last = db.scalar(
            select(ReviewEvent)
            .where(ReviewEvent.version_id == version.id)
            .order_by(ReviewEvent.id.desc())
            .limit(1)
        )
        result.append((version, last))
    return sorted(result, key=lambda p: (p[1].created_at if p[1] else p[0].created_at, p[0].id))


def cycle_floor(db: Session, *, resource_id: str, revision: int) -> int:
    """The revision of the last version published before ``revision`` (0 if none): a draft's
    thread holds what happened to the revisions after it."""
    floor = db.scalar(
        select(ResourceVersion.revision)
        .where(
            ResourceVersion.resource_id == resource_id,
            ResourceVersion.status == VersionStatus.published,
            ResourceVersion.revision < revision,
        )
        .order_by(ResourceVersion.revision.desc())
        .limit(1)
    )
    return floor or 0
