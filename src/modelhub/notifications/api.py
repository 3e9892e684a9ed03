"""Your notifications: list them, mark them read."""

from __future__ import annotations

from fastapi import APIRouter, Response

from modelhub.accounts.deps import CurrentUser
from modelhub.deps import DbSession
from modelhub.notifications import service
from modelhub.notifications.schemas import MarkedRead, NotificationRead, UnreadCount

router = APIRouter(prefix="/api/v1/notifications", tags=["notifications"])


@router.get("")
def list_notifications(
    user: CurrentUser, db: DbSession, response: Response, unread: bool = False
) -> list[NotificationRead]:
    """Your newest notifications (at most 200; ``?unread=true``: only the unread ones). The
    ``X-Unread-Count`` header says how many are unread in all."""
    response.headers["x-unread-count"] = str(service.unread_count(db, user_id=user.id))
    return [
        NotificationRead.model_validate(n)
        for n in service.for_user(db, user=user, unread_only=unread)
    ]


@router.get("/unread")
def unread_count(user: CurrentUser, db: DbSession) -> UnreadCount:
    """How many of your notifications are unread (what the site header's badge shows)."""
    return UnreadCount(unread=service.unread_count(db, user_id=user.id))


@router.post("/read-all")
def mark_all_read(user: CurrentUser, db: DbSession) -> MarkedRead:
    """Mark every one of your notifications as read."""
    marked = service.mark_all_read(db, user=user)
    db.commit()
    return MarkedRead(marked=marked, unread=0)


@router.post("/{notification_id}/read")
def mark_read(notification_id: int, user: CurrentUser, db: DbSession) -> NotificationRead:
    """Mark one of your notifications as read."""
    note = service.mark_read(db, user=user, notification_id=notification_id)
    db.commit()
    return NotificationRead.model_validate(note)
