"""Account e-mail (address confirmations, password resets), sent at once over SMTP: the link
in them holds a secret, which is never stored, so it cannot wait in a job's payload."""

from __future__ import annotations

import smtplib
from dataclasses import dataclass
from email.message import EmailMessage

from modelhub.config import Settings


def mail_on(settings: Settings) -> bool:
    """Whether the hub sends e-mail (``MODELHUB_SMTP_HOST`` is set)."""
    return settings.smtp_host is not None


def send_mail(settings: Settings, *, to: str, subject: str, body: str) -> None:
    """Hand one plain-text message to the SMTP server; ``OSError`` / ``SMTPException`` when
    it cannot be reached or refuses it."""
    if settings.smtp_host is None:
        raise RuntimeError("no SMTP server is configured")
    smtp = SmtpSettings(
        host=settings.smtp_host,
        port=settings.smtp_port,
        sender=settings.smtp_sender,
        username=settings.smtp_username,
        password=settings.smtp_password,
        starttls=settings.smtp_starttls,
    )
    deliver(smtp, to=to, subject=subject, body=body)


@dataclass(frozen=True)
class SmtpSettings:
    """Where and how the hub hands over e-mail (picklable: job tasks carry it to workers)."""

    host: str
    port: int
    sender: str
    username: str | None = None
    password: str | None = None
    starttls: bool = False


def deliver(smtp: SmtpSettings, *, to: str, subject: str, body: str) -> None:
    """One plain-text message handed to the SMTP server (the one place the hub speaks SMTP)."""
    message = EmailMessage()
    message["From"] = smtp.sender
    message["To"] = to
    message["Subject"] = subject
    message.set_content(body)
    with smtplib.SMTP(smtp.host, smtp.port, timeout=30) as client:
        if smtp.starttls:
            client.starttls()
        if smtp.username and smtp.password:
            client.login(smtp.username, smtp.password)
        client.send_message(message)
