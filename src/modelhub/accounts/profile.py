"""One's own profile: display name, affiliation, ORCID, GitHub handle, e-mail, password."""

from __future__ import annotations

import re

from sqlalchemy.orm import Session

from modelhub.accounts import signup
from modelhub.accounts.emails import clean_email, ensure_email_free
from modelhub.accounts.models import User
from modelhub.accounts.security import digest, verify_password
from modelhub.errors import ErrorDetail, InvalidRequest

_ORCID = re.compile(r"^\d{4}-\d{4}-\d{4}-\d{3}[\dX]$")
_GITHUB = re.compile(r"^[A-Za-z0-9](?:[A-Za-z0-9-]{0,38})$")


def _bad(field: str, message: str, code: str) -> InvalidRequest:
    return InvalidRequest(message, [ErrorDetail((field,), message)], code=code)


def update_profile(
    db: Session,
    *,
    user: User,
    display_name: str,
    affiliation: str,
    orcid: str,
    github: str,
) -> None:
    """Save the optional public fields (empty clears one)."""
    orcid = orcid.strip().removeprefix("https://orcid.org/")
    if orcid and not _ORCID.match(orcid):
        raise _bad("orcid", "An ORCID iD looks like 0000-0002-1825-0097.", "invalid_orcid")
    github = github.strip().removeprefix("@")
    if github and not _GITHUB.match(github):
        message = "A GitHub handle has up to 39 letters, digits or '-'."
        raise _bad("github", message, "invalid_github")
    user.display_name = display_name.strip()[:200] or None
    user.affiliation = affiliation.strip()[:200] or None
    user.orcid, user.github = orcid or None, github or None
    db.flush()


def change_email(db: Session, *, user: User, email: str, mail_on: bool) -> str | None:
    """A new address: with e-mail on, returns the secret of the link to confirm it (the
    address becomes the account's then); without, it is kept at once, unconfirmed."""
    address = clean_email(email)
    if address is None:
        raise _bad("email", "Give an e-mail address.", "email_required")
    if (user.email or "").lower() == address.lower():
        return None
    ensure_email_free(db, address)
    if mail_on:
        return signup.request_confirmation(db, user=user, email=address)
    user.email, user.email_confirmed = address, False
    db.flush()
    return None


def change_password(
    db: Session, *, user: User, current: str, new: str, session_id: str | None
) -> None:
    """Needs the current password; every other session of the account ends."""
    if not verify_password(user.password_hash, current):
        raise _bad("current_password", "The current password is wrong.", "wrong_password")
    keep = digest(session_id) if session_id else None
    signup.set_password(db, user=user, password=new, keep=keep)
