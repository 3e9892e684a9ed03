"""Account e-mail (address confirmations, password resets), sent at once over SMTP: the link
in them holds a secret, which is never stored, so it cannot wait in a job's payload."""

from __future__ import annotations

import smtplib
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
    message = EmailMessage()
    message["From"] = settings.smtp_sender
    message["To"] = to
    message["Subject"] = subject
    message.set_content(body)
    with smtplib.SMTP(settings.smtp_host, settings.smtp_port, timeout=30) as client:
        if settings.smtp_starttls:
            client.starttls()
        if settings.smtp_username and settings.smtp_password:
            client.login(settings.smtp_username, settings.smtp_password)
        client.send_message(message)
