"""Who asks for a prediction, and the limits that come with it.

A signed-in person owns their predictions. Where the hub allows trial runs without an account
(``MODELHUB_PREDICT_ANONYMOUS``, off by default), a browser gets a random trial token in a
cookie; its predictions belong to that token (stored as its sha256), under stricter limits.
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass

from modelhub.accounts.models import User
from modelhub.config import Settings

TRIAL_COOKIE = "modelhub_trial"


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def new_trial_token() -> str:
    return secrets.token_urlsafe(24)


@dataclass(frozen=True)
class Requester:
    """A signed-in person, or one browser's trial token (hashed)."""

    user: User | None
    trial: str | None = None
    client: str | None = None
    """The sha256 of the client's address (trial runs are also counted per address)."""

    @property
    def anonymous(self) -> bool:
        return self.user is None

    @property
    def user_id(self) -> int | None:
        return self.user.id if self.user is not None else None


@dataclass(frozen=True)
class Limits:
    """What one requester may ask for."""

    max_bytes: int
    max_pixels: int
    per_hour: int
    max_waiting: int


def limits_for(settings: Settings, requester: Requester) -> Limits:
    if requester.anonymous:
        return Limits(
            max_bytes=settings.predict_anonymous_max_bytes,
            max_pixels=settings.predict_anonymous_max_pixels,
            per_hour=settings.predict_anonymous_per_hour,
            max_waiting=min(3, settings.predict_max_waiting),
        )
    return Limits(
        max_bytes=settings.predict_max_bytes,
        max_pixels=settings.predict_max_pixels,
        per_hour=settings.predict_per_hour,
        max_waiting=settings.predict_max_waiting,
    )


def address_hash(address: str) -> str:
    return hashlib.sha256(f"modelhub-predict:{address}".encode()).hexdigest()
