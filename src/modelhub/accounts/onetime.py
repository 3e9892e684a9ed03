"""One-time tokens: random secrets sent in links, stored as sha256, expiring, used once."""

from __future__ import annotations

import secrets
from datetime import timedelta

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from modelhub.accounts.models import OneTimeToken
from modelhub.accounts.security import digest
from modelhub.db import utcnow
from modelhub.errors import ErrorDetail, InvalidRequest

CONFIRM = "confirm"
RESET = "reset"
INVITE = "invite"
CONFIRM_HOURS = 48
RESET_HOURS = 1

_WHAT = {CONFIRM: "confirmation link", RESET: "password reset link", INVITE: "invitation"}


def issue(
    db: Session,
    *,
    purpose: str,
    hours: float,
    user_id: int | None = None,
    email: str | None = None,
    created_by_id: int | None = None,
) -> tuple[OneTimeToken, str]:
    """A new token; returns the row and the secret (which only the link ever holds)."""
    secret = secrets.token_urlsafe(32)
    row = OneTimeToken(
        purpose=purpose,
        token_hash=digest(secret),
        user_id=user_id,
        email=email,
        created_by_id=created_by_id,
        expires_at=utcnow() + timedelta(hours=hours),
    )
    db.add(row)
    db.flush()
    return row, secret


def _invalid(purpose: str, field: str) -> InvalidRequest:
    what = _WHAT.get(purpose, "link")
    message = f"This {what} is unknown, expired or already used. Ask for a new one " + (
        "from whoever invited you." if purpose == INVITE else "and use it soon."
    )
    return InvalidRequest(message, [ErrorDetail((field,), message)], code=f"invalid_{purpose}")


def peek(db: Session, *, purpose: str, secret: str, field: str = "token") -> OneTimeToken:
    """The valid, unused token with this secret; ``InvalidRequest`` otherwise."""
    row = db.scalar(select(OneTimeToken).where(OneTimeToken.token_hash == digest(secret)))
    if row is None or row.purpose != purpose or row.used_at is not None:
        raise _invalid(purpose, field)
    if row.expires_at <= utcnow():
        raise _invalid(purpose, field)
    return row


def use(db: Session, *, purpose: str, secret: str, field: str = "token") -> OneTimeToken:
    """Mark the token used, atomically: of two requests racing with one secret, one wins."""
    row = peek(db, purpose=purpose, secret=secret, field=field)
    claimed = db.execute(
        update(OneTimeToken)
        .where(OneTimeToken.id == row.id, OneTimeToken.used_at.is_(None))
        .values(used_at=utcnow())
    )
    if claimed.rowcount != 1:  # type: ignore[attr-defined]
        raise _invalid(purpose, field)
    db.refresh(row)
    return row


def forget_unused(db: Session, *, user_id: int, purpose: str) -> None:
    """Void the user's earlier unused tokens of ``purpose`` (a new link replaces them)."""
    db.execute(
        update(OneTimeToken)
        .where(
            OneTimeToken.user_id == user_id,
            OneTimeToken.purpose == purpose,
            OneTimeToken.used_at.is_(None),
        )
        .values(used_at=utcnow())
    )
