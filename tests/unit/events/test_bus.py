"""Domain events: recorded with the change, delivered once after its commit, caught up by the
sweep after a failure or a crash, never delivered for a rolled-back change."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta

import pytest
from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from modelhub.config import Settings
from modelhub.db import make_session_factory, transaction, utcnow
from modelhub.events import EventBus, VersionYanked, record
from modelhub.events.models import DomainEvent, EventDelivery
from modelhub.hub import Hub
from modelhub.wiring import build_hub

# the hub's own subscribers to yanks (exports) also deliver: the tests look at their own ones
OURS = ("test", "steady", "flaky", "half")
YANKED = VersionYanked(resource_id="cells", version_id=7, number=2, actor_id=1)


def listen(bus: EventBus, name: str = "test") -> list[VersionYanked]:
    heard: list[VersionYanked] = []
    bus.subscribe(VersionYanked, name, lambda _db, event: heard.append(event))
    return heard


def failing_once(heard: list[VersionYanked]) -> Callable[[Session, VersionYanked], None]:
    def handler(_db: Session, event: VersionYanked) -> None:
        heard.append(event)
        if len(heard) == 1:
            raise RuntimeError("the receiver is down")

    return handler


def event_row(hub: Hub, event_id: int) -> DomainEvent:
    with hub.sessions() as db:
        row = db.get(DomainEvent, event_id)
        assert row is not None
        return row


def deliveries(hub: Hub) -> list[tuple[int, str]]:
    with hub.sessions() as db:
        rows = db.execute(
            select(EventDelivery.event_id, EventDelivery.subscriber).where(
                EventDelivery.subscriber.in_(OURS)
            )
        )
        return sorted((r.event_id, r.subscriber) for r in rows)


def test_an_event_is_delivered_once_right_after_its_commit(hub: Hub) -> None:
    heard = listen(hub.events)
    with transaction(hub.sessions) as db:
        event_id = record(db, YANKED)
        assert heard == []  # not before the commit
    assert heard == [YANKED]
    assert event_row(hub, event_id).delivered_at is not None
    assert deliveries(hub) == [(event_id, "test")]
    # delivering it again (another process, the sweep) changes nothing
    assert hub.events.deliver([event_id]) == 0
    assert hub.events.redeliver_pending(older_than_s=0) == 0
    assert heard == [YANKED]


def test_a_rolled_back_change_delivers_nothing(hub: Hub) -> None:
    heard = listen(hub.events)
    with hub.sessions() as db:
        record(db, YANKED)
        db.rollback()
        later = VersionYanked(resource_id="cells", version_id=8, number=3, actor_id=1)
        record(db, later)
        db.commit()
    assert heard == [later]
    with hub.sessions() as db:
        assert db.scalar(select(func.count()).select_from(DomainEvent)) == 1


def test_a_failing_subscriber_gets_the_event_again_from_the_sweep(hub: Hub) -> None:
    steady = listen(hub.events, "steady")
    flaky: list[VersionYanked] = []
    hub.events.subscribe(VersionYanked, "flaky", failing_once(flaky))
    with transaction(hub.sessions) as db:
        event_id = record(db, YANKED)
    assert steady == [YANKED] and flaky == [YANKED]
    row = event_row(hub, event_id)
    assert row.delivered_at is None and row.failures == 1
    assert row.last_error is not None and row.last_error.startswith("flaky: ")
    assert deliveries(hub) == [(event_id, "steady")]

    assert hub.events.redeliver_pending(older_than_s=0) == 1
    assert steady == [YANKED] and flaky == [YANKED, YANKED]
    assert event_row(hub, event_id).delivered_at is not None
    assert deliveries(hub) == [(event_id, "flaky"), (event_id, "steady")]


def test_a_handler_that_fails_leaves_none_of_its_writes(hub: Hub) -> None:
    def half_done(db: Session, _event: VersionYanked) -> None:
        record(db, VersionYanked(resource_id="other", version_id=1, number=1, actor_id=1))
        raise RuntimeError("halfway")

    hub.events.subscribe(VersionYanked, "half", half_done)
    with transaction(hub.sessions) as db:
        record(db, YANKED)
    with hub.sessions() as db:
        names = list(db.scalars(select(DomainEvent.data["resource_id"].as_string())))
    assert names == ["cells"]
    assert deliveries(hub) == []


def test_events_committed_by_a_process_that_died_are_delivered_by_the_sweep(hub: Hub) -> None:
    heard = listen(hub.events)
    # the process that recorded them stopped before delivering: a session factory no bus hears
    with transaction(make_session_factory(hub.engine)) as db:
        ids = [record(db, YANKED), record(db, YANKED)]
    assert heard == []
    # younger than the sweep's margin: left to the delivery that follows their commit
    assert hub.events.redeliver_pending() == 0
    assert hub.events.redeliver_pending(older_than_s=0) == 2
    assert heard == [YANKED, YANKED]
    assert hub.events.redeliver_pending(older_than_s=0) == 0
    assert heard == [YANKED, YANKED]
    assert deliveries(hub) == [(ids[0], "test"), (ids[1], "test")]


def test_two_processes_sweeping_deliver_each_event_once(hub: Hub) -> None:
    other = build_hub(hub.settings)
    try:
        heard = listen(hub.events)
        heard_there = listen(other.events)
        with transaction(make_session_factory(hub.engine)) as db:
            for number in range(5):
                record(db, VersionYanked(resource_id="r", version_id=number, number=1, actor_id=1))
        assert other.events.redeliver_pending(older_than_s=0) == 5
        assert hub.events.redeliver_pending(older_than_s=0) == 0
        assert len(heard) + len(heard_there) == 5 and heard == []
    finally:
        other.events.close()
        other.engine.dispose()


def test_delivered_events_are_forgotten_after_a_week(hub: Hub) -> None:
    listen(hub.events)
    with transaction(hub.sessions) as db:
        old = record(db, YANKED)
    with transaction(hub.sessions) as db:
        recent = record(db, YANKED)
        db.execute(
            update(DomainEvent)
            .where(DomainEvent.id == old)
            .values(delivered_at=utcnow() - timedelta(days=8))
        )
    hub.events.redeliver_pending()
    with hub.sessions() as db:
        assert list(db.scalars(select(DomainEvent.id))) == [recent]
    assert deliveries(hub) == [(recent, "test")]


def test_a_subscriber_name_is_taken_once_per_event_type(hub: Hub) -> None:
    listen(hub.events)
    with pytest.raises(ValueError, match="already subscribes"):
        listen(hub.events)


def test_events_of_a_savepoint_wait_for_the_transaction_around_it(hub: Hub) -> None:
    heard = listen(hub.events)
    kept = VersionYanked(resource_id="kept", version_id=1, number=1, actor_id=1)
    with hub.sessions() as db:
        with db.begin_nested():
            record(db, kept)
        assert heard == []  # released, not committed
        savepoint = db.begin_nested()
        record(db, YANKED)
        savepoint.rollback()
        db.commit()
    assert heard == [kept]


def test_delivery_needs_no_second_connection(settings: Settings) -> None:
    settings.db_pool_size = 1
    settings.db_pool_timeout_s = 1
    one = build_hub(settings)
    try:
        heard = listen(one.events)
        with transaction(one.sessions) as db:
            record(db, YANKED)
        assert heard == [YANKED]
    finally:
        one.events.close()
        one.engine.dispose()


def test_a_batched_kind_waits_for_deliver_pending(hub: Hub) -> None:
    heard = listen(hub.events)
    hub.events.batch(VersionYanked)
    with transaction(hub.sessions) as db:
        event_id = record(db, YANKED)
    assert heard == [] and event_row(hub, event_id).delivered_at is None
    assert hub.events.deliver_pending(VersionYanked) == 1
    assert heard == [YANKED] and deliveries(hub) == [(event_id, "test")]
    assert hub.events.deliver_pending(VersionYanked) == 0  # once
