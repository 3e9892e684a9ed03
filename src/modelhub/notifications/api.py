"""Your notifications: list them, mark them read."""

from __future__ import annotations

from fastapi import APIRouter

from modelhub.accounts.deps import CurrentUser
from modelhub.db import utcnow
from modelhub.deps import DbSession
from modelhub.errors import ResourceNotFound
from modelhub.notifications import service
from modelhub.notifications.models import Notification
from modelhub.notifications.schemas import NotificationRead

router = APIRouter(prefix="/api/v1/notifications", tags=["notifications"])


@router.get("")
def list_notifications(
    user: CurrentUser, db: DbSession, unread: bool = False
) -> list[NotificationRead]:
    """Your newest notifications (at most 200)."""
    return [
        NotificationRead.model_validate(n)
        for n in service.for_user(db, user=user, unread_only=unread)
    ]


@router.post("/{notification_id}/read")
def mark_read(notification_id: int, user: CurrentUser, db: DbSession) -> NotificationRead:
    """Mark one of your notifications as read."""
    note = db.get(Notification, notification_id)
    if note is None or note.user_id != user.id:
        raise ResourceNotFound("You have no such notification.")
    if note.read_at is None:
        note.read_at = utcnow()
        db.commit()
    return NotificationRead.model_validate(note)
