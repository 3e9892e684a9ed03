"""Accounts: users, roles, API tokens and web sessions. Services never commit."""

from __future__ import annotations

import re
from datetime import timedelta

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from modelhub.accounts.emails import clean_email, ensure_email_free
from modelhub.accounts.models import ApiToken, Role, User, WebSession
from modelhub.accounts.security import (
    digest,
    hash_password,
    new_session_id,
    new_token,
    verify_password,
)
from modelhub.db import utcnow
from modelhub.errors import Conflict, ErrorDetail, InvalidRequest, ResourceNotFound

_USERNAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]{1,63}$")


MIN_PASSWORD = 10


def check_password(password: str, field: str = "password") -> None:
    """``InvalidRequest`` (``weak_password``) for a password too short to keep."""
    if len(password) < MIN_PASSWORD:
        message = (
            f"A password needs at least {MIN_PASSWORD} characters; a few words make a good one."
        )
        raise InvalidRequest(message, [ErrorDetail((field,), message)], code="weak_password")


def create_user(
    db: Session,
    *,
    username: str,
    role: Role = Role.member,
    password: str | None = None,
    email: str | None = None,
) -> User:
    """Create an account; the username and the e-mail address (any case) must be free."""
    if not _USERNAME.match(username):
        raise InvalidRequest(
            "A username has 2 to 64 characters: letters, digits, '.', '_' or '-', "
            "starting with a letter or digit.",
            code="invalid_username",
        )
    if password is not None:
        check_password(password)
    # without case: a username is also matched (lower-cased) against descriptions' GitHub users
    taken = select(User.id).where(func.lower(User.username) == username.lower())
    if db.scalar(taken) is not None:
        raise Conflict(f"The username '{username}' is already taken.", code="username_taken")
    email = clean_email(email)
    if email is not None:
        ensure_email_free(db, email)
    user = User(
        username=username,
        role=role,
        email=email,
        password_hash=hash_password(password) if password else None,
    )
    try:
        with db.begin_nested():  # another request may take the same name or address meanwhile
            db.add(user)
    except IntegrityError:
        if db.scalar(taken) is not None:
            raise Conflict(
                f"The username '{username}' is already taken.", code="username_taken"
            ) from None
        if email is not None:
            ensure_email_free(db, email)
        raise
    return user


def get_user(db: Session, *, username: str) -> User:
    user = db.scalar(select(User).where(User.username == username))
    if user is None:
        raise ResourceNotFound(f"There is no user '{username}'.")
    return user


def set_role(db: Session, *, username: str, role: Role) -> User:
    user = get_user(db, username=username)
    user.role = role
    return user


def list_users(db: Session) -> list[User]:
    return list(db.scalars(select(User).order_by(User.username)))


def update_user(
    db: Session, *, actor: User, username: str, role: Role | None, is_active: bool | None
) -> User:
    """An admin changes someone's role or active flag (never their own: a hub keeps an admin)."""
    user = get_user(db, username=username)
    if user.id == actor.id and (
        (role is not None and role is not actor.role) or is_active is False
    ):
        raise Conflict(
            "You cannot change your own role or deactivate yourself.", code="self_change"
        )
    if role is not None:
        user.role = role
    if is_active is not None:
        user.is_active = is_active
    db.flush()
    return user


def authenticate(db: Session, *, username: str, password: str) -> User | None:
    """The active user with this username and password, or None."""
    user = db.scalar(select(User).where(User.username == username))
    ok = verify_password(user.password_hash if user else None, password)
    return user if ok and user is not None and user.is_active else None


def create_token(db: Session, *, user: User, name: str = "api") -> tuple[ApiToken, str]:
    """Create an API token; returns the row and the secret, which is never stored."""
    secret = new_token()
    token = ApiToken(user_id=user.id, name=name, prefix=secret[:10], token_hash=digest(secret))
    db.add(token)
    db.flush()
    return token, secret


def list_tokens(db: Session, *, user: User) -> list[ApiToken]:
    return list(
        db.scalars(select(ApiToken).where(ApiToken.user_id == user.id).order_by(ApiToken.id))
    )


def revoke_token(db: Session, *, user: User, token_id: int) -> ApiToken:
    token = db.get(ApiToken, token_id)
    if token is None or token.user_id != user.id:
        raise ResourceNotFound("You have no token with this id.")
    if token.revoked_at is None:
        token.revoked_at = utcnow()
    return token


def user_for_token(db: Session, *, secret: str) -> User | None:
    """The active user owning an unrevoked token with this secret."""
    token = db.scalar(select(ApiToken).where(ApiToken.token_hash == digest(secret)))
    if token is None or token.revoked_at is not None or not token.user.is_active:
        return None
    now = utcnow()
    # only write when it changes meaningfully, so that reads stay reads
    if token.last_used_at is None or now - token.last_used_at > timedelta(minutes=5):
        token.last_used_at = now
    return token.user


def start_session(db: Session, *, user: User, days: int) -> str:
    """Create a web session; returns the cookie value."""
    session_id = new_session_id()
    db.add(
        WebSession(
            user_id=user.id,
            session_hash=digest(session_id),
            expires_at=utcnow() + timedelta(days=days),
        )
    )
    db.flush()
    return session_id


def user_for_session(db: Session, *, session_id: str) -> User | None:
    row = db.scalar(select(WebSession).where(WebSession.session_hash == digest(session_id)))
    if row is None or row.expires_at < utcnow() or not row.user.is_active:
        return None
    return row.user


def end_session(db: Session, *, session_id: str) -> None:
    row = db.scalar(select(WebSession).where(WebSession.session_hash == digest(session_id)))
    if row is not None:
        db.delete(row)
