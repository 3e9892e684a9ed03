"""Pydantic I/O for webhooks and their deliveries."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from modelhub.webhooks.models import DeliveryStatus


class WebhookCreate(BaseModel):
    """A new webhook. ``events``: event names, or ``["*"]`` for every event. ``all_resources``
    (admins only): hear of every event of the hub, not only of resources you are involved in."""

    # the service says what is wrong with a URL; this bound only keeps requests small
    url: str = Field(max_length=8192)
    events: list[str] = Field(default_factory=lambda: ["*"], max_length=200)
    all_resources: bool = False


class WebhookUpdate(BaseModel):
    """Pause (``active: false``) or resume a webhook, or change its events."""

    active: bool | None = None
    events: list[str] | None = Field(default=None, max_length=200)


class WebhookRead(BaseModel):
    """A webhook as the API shows it (never with its secret)."""

    model_config = ConfigDict(from_attributes=True)

    id: int
    owner_id: int
    url: str
    events: list[str]
    all_resources: bool
    active: bool
    created_at: datetime


class WebhookCreated(WebhookRead):
    """Returned once, when the webhook is made: the only time the secret is shown."""

    secret: str


class AttemptRead(BaseModel):
    """One attempt of a delivery: when, what the receiver answered, or why it failed."""

    attempt: int
    at: datetime
    status_code: int | None
    error: str | None
    duration_ms: int


class DeliveryRead(BaseModel):
    """One event sent (or being sent) to a webhook, with every attempt."""

    model_config = ConfigDict(from_attributes=True)

    id: int
    webhook_id: int
    event: str
    about: str
    status: DeliveryStatus
    attempts: int
    next_attempt_at: datetime | None
    last_status_code: int | None
    last_error: str | None
    response_excerpt: str | None
    attempt_log: list[AttemptRead]
    payload: dict[str, Any]
    created_at: datetime
    delivered_at: datetime | None
