"""What the sign-up API and pages share: throttling by client address, and the e-mails."""

from __future__ import annotations

import logging
import smtplib

from fastapi import Request
from sqlalchemy.orm import Session

from modelhub.accounts import throttle
from modelhub.accounts.mail import send_mail
from modelhub.config import Settings
from modelhub.errors import HubError
from modelhub.links import Links

log = logging.getLogger("modelhub.accounts")


class TooManyAttempts(HubError):
    def __init__(self, wait: int) -> None:
        message = f"Too many attempts; try again in {throttle.in_minutes(wait)}."
        super().__init__(message=message, status_code=429, code="too_many_attempts")
        self.wait = wait


def address_of(request: Request) -> str:
    return request.client.host if request.client else "unknown"


def count_attempt(db: Session, settings: Settings, *, scope: str, key: str) -> None:
    """Refuse (``TooManyAttempts``) when ``key`` is in a refusal window, else count this one
    (per client address, as failed logins: ``MODELHUB_LOGIN_MAX_FAILURES_PER_ADDRESS``)."""
    wait = throttle.attempt_wait(db, scope=scope, key=key)
    if wait:
        raise TooManyAttempts(wait)
    limit = settings.login_max_failures_per_address
    throttle.record_attempt(
        db, scope=scope, key=key, limit=limit, first_wait_s=settings.login_wait_s
    )


def _send(settings: Settings, to: str, subject: str, body: str) -> bool:
    try:
        send_mail(settings, to=to, subject=subject, body=body)
    except (OSError, smtplib.SMTPException) as exc:
        log.error("could not send %r to an account's address: %s", subject, exc)
        return False
    return True


def send_confirmation(settings: Settings, links: Links, *, to: str, secret: str) -> bool:
    link = links.absolute(f"/signup/confirm?token={secret}")
    body = (
        f"Someone (we hope you) gave this address to an account on {links.base}.\n\n"
        f"Confirm it by opening this link within 48 hours:\n\n{link}\n\n"
        "If it was not you, ignore this message: the address will not be used."
    )
    return _send(settings, to, "Confirm your e-mail address", body)


def send_reset(settings: Settings, links: Links, *, to: str, username: str, secret: str) -> bool:
    link = links.absolute(f"/password/reset?token={secret}")
    body = (
        f"Someone (we hope you) asked to reset the password of the account '{username}' on "
        f"{links.base}.\n\nChoose a new one within an hour here:\n\n{link}\n\n"
        "If it was not you, ignore this message: your password stays as it is."
    )
    return _send(settings, to, "Reset your password", body)
