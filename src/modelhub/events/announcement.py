"""What people hear about an event: worked out by the domain that knows the event (review,
checks), sent by the channels the root subscribes (notifications, webhooks)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class Announcement:
    """``event`` is the public event name (``review.approve``, ``check.finished``); ``about``
    names this occurrence, so that each channel sends it once per person or webhook."""

    user_ids: tuple[int, ...]
    event: str
    subject: str
    body: str
    link: str | None
    about: str
    payload: dict[str, Any]
