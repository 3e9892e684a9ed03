"""The notifications page: yours, newest first, a page at a time, each marked read with a
button (plain forms, CSRF-protected: no script needed); its JSON twin carries the same data."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Form, Query, Request
from fastapi.responses import RedirectResponse, Response
from pydantic import BaseModel

from modelhub.accounts import views
from modelhub.accounts.deps import OptionalUser
from modelhub.deps import DbSession
from modelhub.errors import Forbidden
from modelhub.links import Links
from modelhub.notifications import service
from modelhub.notifications.models import Notification
from modelhub.web import render

router = APIRouter(include_in_schema=False)
PAGE_SIZE = 25

# what each kind of notification is about, in words (others show their kind as it is)
KIND_LABELS = {
    "review.submit": "Review requested",
    "review.withdraw": "Withdrawn",
    "review.approve": "Approved",
    "review.request_changes": "Changes requested",
    "review.reject": "Rejected",
    "review.comment": "New comment",
    "check.finished": "Checks finished",
    "partner.apply": "Partner application",
    "partner.approve": "Partner approved",
    "partner.decline": "Partner declined",
}


class NotificationItem(BaseModel):
    id: int
    kind: str
    label: str
    subject: str
    body: str
    link: str | None
    created_at: datetime
    read: bool
    read_url: str


class NotificationsPage(BaseModel):
    notifications: list[NotificationItem]
    unread: int
    total: int
    page: int
    pages: int
    previous_url: str | None
    next_url: str | None
    read_all_url: str = "/notifications/read-all"


def _item(note: Notification) -> NotificationItem:
    return NotificationItem(
        id=note.id,
        kind=note.kind,
        label=KIND_LABELS.get(note.kind, note.kind.replace(".", " ").replace("_", " ")),
        subject=note.subject,
        body=note.body,
        link=note.link,
        created_at=note.created_at,
        read=note.read_at is not None,
        read_url=Links.notification_read_path(note.id),
    )


@router.get("/notifications")
def notifications(
    request: Request,
    db: DbSession,
    user: OptionalUser,
    page: Annotated[int, Query(ge=1, le=100_000)] = 1,
) -> Response:
    """Your notifications, newest first."""
    if user is None:
        return views.login_redirect(request)
    notes, total = service.page_of(db, user=user, page=page, size=PAGE_SIZE)
    pages = max(1, -(-total // PAGE_SIZE))
    data = NotificationsPage(
        notifications=[_item(n) for n in notes],
        unread=service.unread_count(db, user_id=user.id),
        total=total,
        page=page,
        pages=pages,
        previous_url=Links.notifications_path(page=page - 1) if page > 1 else None,
        next_url=Links.notifications_path(page=page + 1) if page < pages else None,
    )
    return render.page(request, "notifications.html", data, extra={"user": user})


def _back(request: Request, page: int) -> Response:
    if render.wants_json(request):
        return Response(status_code=204)
    return RedirectResponse(Links.notifications_path(page=page), status_code=303)


@router.post("/notifications/read-all")
def read_all(
    request: Request,
    db: DbSession,
    user: OptionalUser,
    csrf: Annotated[str, Form(max_length=128)] = "",
) -> Response:
    """Mark every notification read."""
    if not render.csrf_ok(request, csrf):
        raise Forbidden("The form expired. Please reload the page and try again.")
    if user is None:
        return views.login_redirect(request, Links.notifications_path())
    service.mark_all_read(db, user=user)
    db.commit()
    return _back(request, 1)


@router.post("/notifications/{notification_id}/read")
def read_one(
    request: Request,
    notification_id: int,
    db: DbSession,
    user: OptionalUser,
    csrf: Annotated[str, Form(max_length=128)] = "",
    page: Annotated[int, Form(ge=1, le=100_000)] = 1,
) -> Response:
    """Mark one notification read."""
    if not render.csrf_ok(request, csrf):
        raise Forbidden("The form expired. Please reload the page and try again.")
    if user is None:
        return views.login_redirect(request, Links.notifications_path())
    service.mark_read(db, user=user, notification_id=notification_id)
    db.commit()
    return _back(request, page)
