"""Creating notifications (idempotently)."""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from modelhub.accounts.models import User
from modelhub.db import utcnow
from modelhub.errors import ResourceNotFound
from modelhub.notifications.models import Notification


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


def unread_count(db: Session, *, user_id: int) -> int:
    """How many of the user's notifications are unread (one indexed count)."""
    stmt = select(func.count(Notification.id)).where(
        Notification.user_id == user_id, Notification.read_at.is_(None)
    )
    return int(db.scalar(stmt) or 0)


def page_of(db: Session, *, user: User, page: int, size: int) -> tuple[list[Notification], int]:
    """One page of the user's notifications, newest first, and how many there are in all."""
    total = int(
        db.scalar(select(func.count(Notification.id)).where(Notification.user_id == user.id)) or 0
    )
    stmt = (
        select(Notification)
        .where(Notification.user_id == user.id)
        .order_by(Notification.id.desc())
        .offset((page - 1) * size)
        .limit(size)
    )
    return list(db.scalars(stmt)), total


def mark_read(db: Session, *, user: User, notification_id: int) -> Notification:
    """Mark one of the user's notifications read (again: no change)."""
    note = db.get(Notification, notification_id)
    if note is None or note.user_id != user.id:
        raise ResourceNotFound("You have no such notification.")
    if note.read_at is None:
        note.read_at = utcnow()
    return note


def mark_all_read(db: Session, *, user: User) -> int:
    """Mark every unread notification of the user read; returns how many."""
    result = db.execute(
        update(Notification)
        .where(Notification.user_id == user.id, Notification.read_at.is_(None))
        .values(read_at=utcnow())
    )
    return int(getattr(result, "rowcount", 0) or 0)
