"""The hub's event bus: subscribers by event type, delivery after commit, the catch-up sweep."""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any, TypeVar

from sqlalchemy import event as sa_event
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, SessionTransaction, sessionmaker

from modelhub.db import transaction
from modelhub.events import outbox
from modelhub.events.models import DomainEvent, EventDelivery
from modelhub.events.types import Event, decode

log = logging.getLogger(__name__)

E = TypeVar("E", bound=Event)
Handler = Callable[[Session, Any], None]
"""``handler(db, event)``: runs in a transaction of its own (never commit in it); raising rolls
its work back and leaves the event for the next sweep."""

COMMITTED = "modelhub.events.committed"
"""``Session.info`` key: events of a committed transaction, delivered when it has ended."""
SWEEP_AFTER_S = 60.0
"""The sweep leaves younger events to the delivery that follows their commit."""
SWEEP_BATCH = 500
KEEP_DAYS = 7.0


@dataclass(frozen=True)
class Subscriber:
    name: str
    handler: Handler


class _Taken(Exception):
    """Another process delivered this (event, subscriber) pair first."""


class EventBus:
    """Delivers the events recorded with ``sessions``: right after the recording transaction
    commits (in the committing thread, before the request answers), and in
    ``redeliver_pending`` for what that missed (a failed subscriber, a crash, another process).

    Subscribers are named; each (event, subscriber name) is handled once: the handler runs in a
    new transaction that also inserts the pair's delivery row, and only one such row commits.
    """

    def __init__(self, sessions: sessionmaker[Session]) -> None:
        self.sessions = sessions
        self._subscribers: dict[type[Event], list[Subscriber]] = {}
        self._batched: set[str] = set()
        for name, listener in self._listeners():
            sa_event.listen(sessions, name, listener)

    def subscribe(
        self, event_type: type[E], name: str, handler: Callable[[Session, E], None]
    ) -> None:
        """Call ``handler(db, event)`` for every committed ``event_type``. ``name`` identifies
        the subscriber in the delivery rows: keep it stable across releases."""
        subscribers = self._subscribers.setdefault(event_type, [])
        if any(s.name == name for s in subscribers):
            raise ValueError(f"{name!r} already subscribes to {event_type.__name__}")
        subscribers.append(Subscriber(name=name, handler=handler))

    def batch(self, event_type: type[Event]) -> None:
        """Leave ``event_type`` to ``deliver_pending`` instead of delivering it as its
        transaction commits: for events recorded on a hot path (a download), whose subscribers
        then run in batches off the request (the sweep delivers them too)."""
        self._batched.add(event_type.__name__)

    def deliver_pending(self, event_type: type[Event], *, limit: int = 10_000) -> int:
        """Deliver the committed, undelivered events of ``event_type`` now, oldest first."""
        with self.sessions() as db:
            ids = outbox.pending_ids(db, older_than_s=0, limit=limit, names=[event_type.__name__])
        return self.deliver(ids)

    def subscribers(self, event_type: type[Event]) -> list[str]:
        return [s.name for s in self._subscribers.get(event_type, [])]

    def close(self) -> None:
        """Stop listening to the session factory (idempotent)."""
        for name, listener in self._listeners():
            if sa_event.contains(self.sessions, name, listener):
                sa_event.remove(self.sessions, name, listener)

    def _listeners(self) -> list[tuple[str, Callable[..., None]]]:
        return [
            ("after_commit", self._after_commit),
            ("after_transaction_end", self._after_transaction_end),
            ("after_rollback", self._after_rollback),
        ]

    # -- delivery -----------------------------------------------------------------------------

    def deliver(self, event_ids: Iterable[int]) -> int:
        """Hand the committed events ``event_ids`` to their subscribers that have not had them;
        how many events are now fully delivered. Never raises for a subscriber's failure."""
        done = 0
        for event_id in event_ids:
            try:
                done += self._deliver_event(event_id)
            except Exception:  # the database away a moment: the sweep tries again
                log.exception("delivering event %s failed", event_id)
        return done

    def redeliver_pending(self, *, older_than_s: float = SWEEP_AFTER_S) -> int:
        """The sweep (at start, then periodically): deliver what was committed but not
        delivered (its subscriber failed, or the process stopped before delivering), then
        forget events delivered more than a week ago. How many events it delivered."""
        with self.sessions() as db:
            ids = outbox.pending_ids(db, older_than_s=older_than_s, limit=SWEEP_BATCH)
        delivered = self.deliver(ids)
        with transaction(self.sessions) as db:
            outbox.prune(db, older_than_days=KEEP_DAYS)
        return delivered

    def _deliver_event(self, event_id: int) -> int:
        with self.sessions() as db:
            row = db.get(DomainEvent, event_id)
            if row is None or row.delivered_at is not None:
                return 0  # rolled back (a savepoint), or delivered already
            event = decode(row.name, row.data)
            done = outbox.delivered_to(db, event_id=event_id)
        ok = True
        for subscriber in self._subscribers.get(type(event), []):
            if subscriber.name not in done:
                ok = self._deliver_one(event_id, event, subscriber) and ok
        if not ok:
            return 0
        with transaction(self.sessions) as db:
            outbox.mark_delivered(db, event_id=event_id)
        return 1

    def _deliver_one(self, event_id: int, event: Event, subscriber: Subscriber) -> bool:
        try:
            with transaction(self.sessions) as db:
                if db.get(EventDelivery, (event_id, subscriber.name)) is not None:
                    return True
                db.add(EventDelivery(event_id=event_id, subscriber=subscriber.name))
                try:
                    db.flush()  # takes the pair: another process's attempt now waits, then fails
                except IntegrityError:
                    raise _Taken() from None
                subscriber.handler(db, event)
            return True
        except _Taken:
            return True
        except Exception as exc:
            log.exception("subscriber %s failed on event %s", subscriber.name, event_id)
            try:
                with transaction(self.sessions) as db:
                    outbox.note_failure(db, event_id=event_id, error=f"{subscriber.name}: {exc!r}")
            except Exception:
                log.exception("could not note the failure of event %s", event_id)
            return False

    def _after_commit(self, session: Session) -> None:
        if session.in_nested_transaction():
            return  # a savepoint: the events wait for the transaction around it
        recorded = session.info.pop(outbox.RECORDED, None)
        names = session.info.pop(outbox.RECORDED_NAMES, None) or {}
        if recorded and self._batched:
            recorded = [i for i in recorded if names.get(i) not in self._batched]
        if recorded:
            session.info.setdefault(COMMITTED, []).extend(recorded)

    def _after_transaction_end(self, session: Session, transaction: SessionTransaction) -> None:
        # delivered once the committed transaction has given its connection back: delivery
        # needs one of its own, and the pool may hold only one
        if transaction.parent is None:
            committed = session.info.pop(COMMITTED, None)
            if committed:
                self.deliver(committed)

    def _after_rollback(self, session: Session) -> None:
        if not session.in_nested_transaction():
            session.info.pop(outbox.RECORDED, None)
            session.info.pop(outbox.RECORDED_NAMES, None)
