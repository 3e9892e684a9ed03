"""Webhooks and their deliveries (the delivery log)."""

from __future__ import annotations

import enum
from datetime import datetime
from typing import Any

from sqlalchemy import (
    JSON,
    Boolean,
    Enum,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from modelhub.db import Base, UtcDateTime, utcnow


class DeliveryStatus(enum.StrEnum):
    """pending (an attempt is queued) → delivered | failed (no attempt left)."""

    pending = "pending"
    delivered = "delivered"
    failed = "failed"


class Webhook(Base):
    """A URL that gets a signed POST for each event it subscribed to.

    Without ``all_resources`` it hears only of events about resources its owner is involved in
    (the caller of ``queue_deliveries`` names those people); ``all_resources`` (admins only)
    hears of every event of the hub.
    """

    __tablename__ = "webhooks"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    owner_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    url: Mapped[str] = mapped_column(String(2000))
    # Stored as given, unlike API tokens (which keep only a hash): signing a delivery needs the
    # secret itself. It is shown once, at creation, and never again by the API.
    secret: Mapped[str] = mapped_column(String(128))
    # event names, or ["*"] for all of them
    events: Mapped[list[str]] = mapped_column(JSON)
    all_resources: Mapped[bool] = mapped_column(Boolean, default=False)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)


class WebhookDelivery(Base):
    """One event for one webhook, with the exact body sent and every attempt made."""

    __tablename__ = "webhook_deliveries"
    __table_args__ = (
        # the same event is delivered to a webhook once, however often it is queued
        UniqueConstraint("webhook_id", "about"),
        # the delivery log: a webhook's deliveries, newest first
        Index("ix_webhook_deliveries_webhook_id_id", "webhook_id", "id"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    webhook_id: Mapped[int] = mapped_column(ForeignKey("webhooks.id", ondelete="CASCADE"))
    event: Mapped[str] = mapped_column(String(64))
    about: Mapped[str] = mapped_column(String(255))
    payload: Mapped[dict[str, Any]] = mapped_column(JSON)
    # the serialised payload, signed and sent as is by every attempt (a retry sends the same
    # bytes, so a receiver sees the same signature and can dedupe by the delivery id)
    body: Mapped[str] = mapped_column(Text)
    status: Mapped[DeliveryStatus] = mapped_column(
        Enum(DeliveryStatus, native_enum=False, length=16, validate_strings=True),
        default=DeliveryStatus.pending,
    )
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    last_status_code: Mapped[int | None] = mapped_column(Integer)
    last_error: Mapped[str | None] = mapped_column(Text)
    # the start of the receiver's last answer (at most 1 KB)
    response_excerpt: Mapped[str | None] = mapped_column(Text)
    # one entry per attempt: {"attempt", "at", "status_code", "error", "duration_ms"}
    attempt_log: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)
    delivered_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
