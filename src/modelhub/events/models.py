"""The outbox: one row per recorded event, one row per (event, subscriber) delivered."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from modelhub.db import Base, UtcDateTime, utcnow


class DomainEvent(Base):
    """Written in the transaction that made the event happen; ``delivered_at`` is set once
    every subscriber has handled it (the sweep then no longer looks at it)."""

    __tablename__ = "domain_events"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(64))
    data: Mapped[dict[str, Any]] = mapped_column(JSON)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow, index=True)
    delivered_at: Mapped[datetime | None] = mapped_column(UtcDateTime, index=True)
    failures: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    last_error: Mapped[str | None] = mapped_column(Text)


class EventDelivery(Base):
    """Subscriber ``subscriber`` has handled the event: written in the handler's transaction,
    so the primary key lets one delivery of each pair commit, whoever tries."""

    __tablename__ = "domain_event_deliveries"

    event_id: Mapped[int] = mapped_column(
        ForeignKey("domain_events.id", ondelete="CASCADE"), primary_key=True
    )
    subscriber: Mapped[str] = mapped_column(String(100), primary_key=True)
    delivered_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)
