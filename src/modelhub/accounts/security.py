"""Secrets: argon2 password hashes, random API tokens and session ids stored as sha256."""

from __future__ import annotations

import hashlib
import secrets
from functools import cache

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

TOKEN_PREFIX = "mh_"  # noqa: S105 -- a public prefix that makes tokens recognisable, no secret
_hasher = PasswordHasher()


@cache
def _dummy_hash() -> str:
    # verifying against this keeps a login for an unknown user as slow as one for a known user
    return _hasher.hash("not-a-real-password")


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def verify_password(password_hash: str | None, password: str) -> bool:
    """True when ``password`` matches; runs the same work when there is no hash."""
    try:
        return (
            _hasher.verify(password_hash or _dummy_hash(), password) and password_hash is not None
        )
    except (VerificationError, InvalidHashError):
        return False


def new_token() -> str:
    """A new API token: 256 random bits, recognisable by its prefix."""
    return TOKEN_PREFIX + secrets.token_urlsafe(32)


def new_session_id() -> str:
    return secrets.token_urlsafe(32)


def digest(secret: str) -> str:
    """sha256 of a high-entropy secret; enough (no salt or slow hash) because it is random."""
    return hashlib.sha256(secret.encode()).hexdigest()
