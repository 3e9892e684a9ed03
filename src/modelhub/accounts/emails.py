"""E-mail addresses of accounts: a plain check of their form, compared without case.

An account is linked to the resources whose descriptions name its address as a maintainer (or
author), so an address must belong to one account only: ``Ada@Lab.org`` and ``ada@lab.org`` are
the same address here (a unique index on ``lower(email)`` backs this up). The check is the
form people recognise, ``name@domain.tld``; whether the mailbox exists only sending can tell.
"""

from __future__ import annotations

import re

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from modelhub.accounts.models import User
from modelhub.errors import Conflict, ErrorDetail, InvalidRequest

MAX_LENGTH = 254  # what fits in SMTP's forward path
_LOCAL = re.compile(r"^[^\s@<>()\[\]\\,;:\"]{1,64}$")
_LABEL = re.compile(r"^[^\W_](?:(?:[^\W_]|-){0,61}[^\W_])?$")


def clean_email(value: str | None) -> str | None:
    """The address, trimmed (None when empty); ``InvalidRequest`` when it is not one."""
    if value is None or not value.strip():
        return None
    email = value.strip()
    local, at, domain = email.rpartition("@")
    labels = domain.split(".")
    if not (
        len(email) <= MAX_LENGTH
        and at
        and _LOCAL.match(local)
        and len(labels) >= 2
        and all(_LABEL.match(label) for label in labels)
        and not labels[-1].isdigit()
    ):
        message = (
            f"'{email[:80]}' is not an e-mail address: write it as name@institute.org "
            "(one '@', a domain with a dot, no spaces)."
        )
        raise InvalidRequest(message, [ErrorDetail(("email",), message)], code="invalid_email")
    return email


def ensure_email_free(db: Session, email: str) -> None:
    """``Conflict`` when another account has this address, in any mix of cases."""
    taken = db.scalar(select(User.id).where(func.lower(User.email) == email.lower()))
    if taken is not None:
        raise Conflict(
            f"Another account already uses the e-mail address '{email}'. An address belongs "
            "to one account, which it links to the resources that name it.",
            code="email_taken",
        )
