"""One event, every channel: a notification in the hub per person, an e-mail each (when the
hub has SMTP) and a signed delivery to each matching webhook. All in the caller's transaction;
the e-mails and webhook calls are jobs that run after the commit."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from sqlalchemy.orm import Session

from modelhub.accounts.models import User
from modelhub.notifications.email import queue_emails
from modelhub.notifications.models import Notification
from modelhub.notifications.service import notify
from modelhub.webhooks.service import queue_deliveries


def announce(
    db: Session,
    *,
    users: Iterable[User],
    event: str,
    subject: str,
    body: str,
    link: str | None,
    about: str,
    payload: dict[str, Any],
) -> list[Notification]:
    """Tell ``users`` about ``event`` (e.g. ``review.approved``) on every channel. ``about`` names
    this occurrence, so that announcing it again adds nothing."""
    people = list({u.id: u for u in users}.values())
    notes = notify(db, users=people, kind=event, subject=subject, body=body, link=link, about=about)
    queue_emails(db, notes)
    queue_deliveries(db, event=event, payload=payload, user_ids=[u.id for u in people], about=about)
    return notes
