"""E-mail delivery of notifications as ``email`` jobs (retried like every job)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy.orm import Session

from modelhub.accounts.mail import SmtpSettings, deliver
from modelhub.accounts.models import User
from modelhub.db import utcnow
from modelhub.jobs import service as jobs
from modelhub.jobs.registry import JobKind, SkipJob
from modelhub.links import Links
from modelhub.notifications.models import Notification

EMAIL_JOB = "email"


@dataclass(frozen=True)
class EmailTask:
    smtp: SmtpSettings
    to: str
    subject: str
    body: str


def queue_emails(db: Session, notes: list[Notification]) -> None:
    """One ``email`` job per notification whose user has an address (same transaction)."""
    for note in notes:
        user = db.get(User, note.user_id)
        if user is not None and user.email:
            jobs.enqueue(
                db,
                kind=EMAIL_JOB,
                payload={"notification_id": note.id},
                dedupe_key=f"email:{note.id}",
            )


def send(task: EmailTask) -> None:
    """Worker side: hand the message to the SMTP server."""
    deliver(task.smtp, to=task.to, subject=task.subject, body=task.body)


def make_kind(smtp: SmtpSettings, *, links: Links) -> JobKind:
    def prepare(db: Session, payload: dict[str, Any]) -> EmailTask:
        note = db.get(Notification, payload["notification_id"])
        if note is None or note.emailed_at is not None:
            raise SkipJob("already sent")
        user = db.get(User, note.user_id)
        if user is None or not user.email:
            raise SkipJob("no address")
        link = f"\n\n{links.absolute(note.link)}" if note.link else ""
        return EmailTask(smtp=smtp, to=user.email, subject=note.subject, body=note.body + link)

    def apply(db: Session, payload: dict[str, Any], _result: Any) -> None:
        note = db.get(Notification, payload["notification_id"])
        if note is not None and note.emailed_at is None:
            note.emailed_at = utcnow()
            note.email_error = None

    def fail(db: Session, payload: dict[str, Any], error: str) -> None:
        note = db.get(Notification, payload["notification_id"])
        if note is not None:
            note.email_error = error[:2000]

    return JobKind(name=EMAIL_JOB, prepare=prepare, run=send, apply=apply, fail=fail)
