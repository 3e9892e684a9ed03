"""The notification channel of an announcement: a notification in the hub per person and, when
the hub has SMTP, an e-mail each (``email`` jobs that run after the commit). The composition
root subscribes it to the events people hear about."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from modelhub.accounts.models import User
from modelhub.events.announcement import Announcement
from modelhub.notifications.email import queue_emails
from modelhub.notifications.models import Notification
from modelhub.notifications.service import notify


def announce(db: Session, announcement: Announcement, *, email: bool) -> list[Notification]:
    """Tell the announcement's people in the hub (and by e-mail when ``email``); announcing the
    same occurrence (``about``) again adds nothing."""
    ids = sorted(set(announcement.user_ids))
    people = list(db.scalars(select(User).where(User.id.in_(ids)))) if ids else []
    notes = notify(
        db,
        users=people,
        kind=announcement.event,
        subject=announcement.subject,
        body=announcement.body,
        link=announcement.link,
        about=announcement.about,
    )
    if email:
        queue_emails(db, notes)
    return notes
