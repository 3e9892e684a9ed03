"""Which account a provider's person logs in as: the account linked to their (issuer, subject)
pair; else the account with the address the provider says it verified; else a new account when
the hub creates them (``MODELHUB_OIDC_CREATE_ACCOUNTS``). Services never commit."""

from __future__ import annotations

import re
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from modelhub.accounts import service
from modelhub.accounts.emails import clean_email
from modelhub.accounts.models import User
from modelhub.accounts.oidc import OidcError
from modelhub.accounts.oidc_models import OidcIdentity
from modelhub.db import utcnow
from modelhub.errors import HubError

_NOT_NAME = re.compile(r"[^A-Za-z0-9_.-]+")


def verified_email(claims: dict[str, Any]) -> str | None:
    """The address, only when the provider says it verified it (``email_verified`` true)."""
    email = claims.get("email")
    if claims.get("email_verified") is not True or not isinstance(email, str):
        return None
    try:
        return clean_email(email)
    except HubError:
        return None


def _identity(db: Session, issuer: str, subject: str) -> OidcIdentity | None:
    stmt = select(OidcIdentity).where(
        OidcIdentity.issuer == issuer, OidcIdentity.subject == subject
    )
    return db.scalar(stmt)


def _free_username(db: Session, claims: dict[str, Any]) -> str:
    wished = [claims.get("preferred_username"), claims.get("nickname"), claims.get("name")]
    email = claims.get("email")
    if isinstance(email, str):
        wished.append(email.split("@", 1)[0])
    base = next(
        (n for n in (_NOT_NAME.sub("-", w).strip("-._")[:56] for w in wished if w) if len(n) >= 2),
        "user",
    )
    for suffix in ["", *(f"-{i}" for i in range(2, 100))]:
        name = base + suffix
        taken = select(User.id).where(func.lower(User.username) == name.lower())
        if db.scalar(taken) is None:
            return name
    return f"{base}-{utcnow().strftime('%Y%m%d%H%M%S%f')}"


def _active(user: User) -> User:
    if not user.is_active:
        raise OidcError(
            "This account is switched off; an admin can switch it on again.",
            code="oidc_account_inactive",
            status_code=403,
        )
    return user


def login(db: Session, *, provider: str, issuer: str, claims: dict[str, Any], create: bool) -> User:
    """The account this person logs in as (linked now when found by address or created)."""
    subject = str(claims["sub"])
    identity = _identity(db, issuer, subject)
    if identity is not None:
        identity.last_login_at = utcnow()
        user = db.get(User, identity.user_id)
        if user is None:  # pragma: no cover - the foreign key removes the identity with it
            raise OidcError(
                "This account no longer exists.", code="oidc_no_account", status_code=403
            )
        return _active(user)
    email = verified_email(claims)
    user = None
    if email is not None:
        user = db.scalar(select(User).where(func.lower(User.email) == email.lower()))
    if user is None:
        if not create:
            raise OidcError(
                "No account of this hub is linked to this login. Log in with your password and"
                " connect the provider on your account page, or ask an admin for an account.",
                code="oidc_no_account",
                status_code=403,
            )
        user = service.create_user(db, username=_free_username(db, claims), email=email)
        user.self_named = True  # the name comes from claims its owner may set
    db.add(
        OidcIdentity(
            user_id=user.id, provider=provider, issuer=issuer, subject=subject,
            last_login_at=utcnow(),
        )
    )  # fmt: skip
    db.flush()
    return _active(user)


def connect(db: Session, *, user: User, provider: str, issuer: str, claims: dict[str, Any]) -> None:
    """Link this provider's account to ``user`` (who is logged in)."""
    identity = _identity(db, issuer, str(claims["sub"]))
    if identity is not None:
        if identity.user_id != user.id:
            raise OidcError(
                "This login of the provider is already connected to another account.",
                code="oidc_identity_taken",
                status_code=409,
            )
        return
    db.add(
        OidcIdentity(user_id=user.id, provider=provider, issuer=issuer, subject=str(claims["sub"]))
    )
    db.flush()


def connected(db: Session, *, user: User) -> list[str]:
    """The names of the providers linked to ``user``."""
    stmt = select(OidcIdentity.provider).where(OidcIdentity.user_id == user.id)
    return sorted(set(db.scalars(stmt)))
