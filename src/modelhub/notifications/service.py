"""Creating notifications (idempotently) and finding who should get them."""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session

from modelhub.accounts.models import User
from modelhub.catalog.access import handles_of
from modelhub.catalog.models import ResourceMaintainer, ResourceVersion
from modelhub.notifications.models import Notification


def people_of(db: Session, *, version: ResourceVersion) -> list[User]:
    """The uploader, the resource's maintainers, and the description's maintainers (and, when
    it names none, authors) who have accounts here — matched by e-mail or by GitHub user name."""
    ids = {version.uploader_id}
    ids.update(
        db.scalars(
            select(ResourceMaintainer.user_id).where(
                ResourceMaintainer.resource_id == version.resource_id
            )
        )
    )
    emails, handles = handles_of(version.rdf)
    conditions = []
    if emails:
        conditions.append(func.lower(User.email).in_(emails))
    if handles:
        conditions.append(func.lower(User.username).in_(handles))
    if conditions:
        ids.update(db.scalars(select(User.id).where(or_(*conditions))))
    return list(db.scalars(select(User).where(User.id.in_(ids), User.is_active.is_(True))))


def notify(
    db: Session,
    *,
    users: Iterable[User],
    kind: str,
    subject: str,
    body: str,
    link: str | None,
    about: str,
) -> list[Notification]:
    """Add one notification per user; ``about`` names the event, so that notifying about the
    same event again (a job applied twice) adds nothing."""
    added = []
    for user in users:
        key = f"{about}:user{user.id}"
        if db.scalar(select(Notification.id).where(Notification.dedupe_key == key)) is not None:
            continue
        note = Notification(
            user_id=user.id, kind=kind, subject=subject, body=body, link=link, dedupe_key=key
        )
        db.add(note)
        added.append(note)
    db.flush()
    return added


def for_user(db: Session, *, user: User, unread_only: bool = False) -> list[Notification]:
    stmt = select(Notification).where(Notification.user_id == user.id)
    if unread_only:
        stmt = stmt.where(Notification.read_at.is_(None))
    return list(db.scalars(stmt.order_by(Notification.id.desc()).limit(200)))
