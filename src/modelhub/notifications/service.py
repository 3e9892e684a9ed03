"""Creating notifications (idempotently)."""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import select
from sqlalchemy.orm import Session

from modelhub.accounts.models import User
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
