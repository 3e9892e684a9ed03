"""Recording events in the caller's transaction, finding the ones not yet delivered, pruning."""

from __future__ import annotations

from collections.abc import Collection
from datetime import timedelta

from sqlalchemy import delete, select, update
from sqlalchemy.orm import Session

from modelhub.db import utcnow
from modelhub.events.models import DomainEvent, EventDelivery
from modelhub.events.types import Event, name_of

RECORDED = "modelhub.events.recorded"
"""``Session.info`` key: the ids of the events this transaction recorded, in order (the bus
delivers them when the transaction commits and forgets them when it rolls back)."""


RECORDED_NAMES = "modelhub.events.recorded_names"
"""``Session.info`` key: event id → event name, of the same events (the bus leaves the kinds it
delivers in batches to its ``deliver_pending``)."""


def record(db: Session, event: Event) -> int:
    """Add ``event`` to the caller's transaction (flushed, never committed); its outbox id."""
    row = DomainEvent(name=name_of(event), data=event.as_json(), failures=0)
    db.add(row)
    db.flush()
    db.info.setdefault(RECORDED, []).append(row.id)
    db.info.setdefault(RECORDED_NAMES, {})[row.id] = row.name
    return row.id


def pending_ids(
    db: Session, *, older_than_s: float, limit: int, names: Collection[str] | None = None
) -> list[int]:
    """Undelivered events recorded at least ``older_than_s`` seconds ago (of the kinds
    ``names`` when given), oldest first."""
    cutoff = utcnow() - timedelta(seconds=older_than_s)
    query = select(DomainEvent.id).where(
        DomainEvent.delivered_at.is_(None), DomainEvent.created_at <= cutoff
    )
    if names is not None:
        query = query.where(DomainEvent.name.in_(sorted(names)))
    return list(db.scalars(query.order_by(DomainEvent.id).limit(limit)))


def delivered_to(db: Session, *, event_id: int) -> set[str]:
    query = select(EventDelivery.subscriber).where(EventDelivery.event_id == event_id)
    return set(db.scalars(query))


def mark_delivered(db: Session, *, event_id: int) -> None:
    db.execute(
        update(DomainEvent)
        .where(DomainEvent.id == event_id, DomainEvent.delivered_at.is_(None))
        .values(delivered_at=utcnow())
    )


def note_failure(db: Session, *, event_id: int, error: str) -> None:
    db.execute(
        update(DomainEvent)
        .where(DomainEvent.id == event_id)
        .values(failures=DomainEvent.failures + 1, last_error=error[:2000])
    )


def prune(db: Session, *, older_than_days: float) -> int:
    """Forget the events delivered more than ``older_than_days`` ago; how many."""
    cutoff = utcnow() - timedelta(days=older_than_days)
    old = select(DomainEvent.id).where(DomainEvent.delivered_at < cutoff)
    db.execute(delete(EventDelivery).where(EventDelivery.event_id.in_(old)))
    result = db.execute(delete(DomainEvent).where(DomainEvent.delivered_at < cutoff))
    return int(getattr(result, "rowcount", 0) or 0)
