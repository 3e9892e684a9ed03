"""Deliveries as rows: who gets an event, dedupe, the stored body, the attempt state machine
(backoff, last attempt, idempotent apply), pausing and redelivering."""

from __future__ import annotations

import json
from typing import Any

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from modelhub.accounts import service as accounts
from modelhub.accounts.models import Role, User
from modelhub.db import transaction, utcnow
from modelhub.errors import Conflict
from modelhub.hub import Hub
from modelhub.jobs.models import Job
from modelhub.jobs.registry import SkipJob
from modelhub.webhooks import deliveries, service, signing
from modelhub.webhooks.models import DeliveryStatus, Webhook, WebhookDelivery
from modelhub.webhooks.sender import REFUSED_NOT_PUBLIC
from modelhub.webhooks.tasks import WEBHOOK_JOB, WebhookSettings, make_kind
from modelhub.wiring import job_kinds

URL = "https://receiver.example/hook"


def user(db: Session, name: str, role: Role = Role.member) -> User:
    return accounts.create_user(db, username=name, role=role, password=None)


def hook(db: Session, owner: User, events: list[str] | None = None, **options: Any) -> Webhook:
    webhook, _ = service.create_webhook(
        db,
        owner=owner,
        url=URL,
        events=events or ["*"],
        all_resources=options.pop("all_resources", False),
        allow_private=False,
    )
    return webhook


def webhook_jobs(db: Session) -> list[Job]:
    return list(db.scalars(select(Job).where(Job.kind == WEBHOOK_JOB).order_by(Job.id)))


def queue(
    db: Session, user_ids: list[int], event: str = "version.submitted", about: str = "e1"
) -> list[WebhookDelivery]:
    payload = {"resource": {"id": "happy-cat"}, "text": "naïve ✓"}
    return service.queue_deliveries(
        db, event=event, payload=payload, user_ids=user_ids, about=about
    )


def test_each_involved_subscribed_webhook_gets_the_event_once(hub: Hub) -> None:
    with transaction(hub.sessions) as db:
        mo, eve, ada = user(db, "mo"), user(db, "eve"), user(db, "ada", Role.admin)
        gone = user(db, "gone")
        mine = hook(db, mo)
        other_events = hook(db, mo, ["version.published"])
        hook(db, eve)  # not involved
        everything = hook(db, ada, all_resources=True)
        paused = hook(db, mo)
        paused.active = False
        hook(db, gone)
        gone.is_active = False
        demoted = hook(db, user(db, "was-admin", Role.admin), all_resources=True)
        accounts.set_role(db, username="was-admin", role=Role.member)
        added = queue(db, [mo.id, gone.id])
        assert sorted(d.webhook_id for d in added) == [mine.id, everything.id]
        assert other_events.id not in {d.webhook_id for d in added}
        assert demoted.id not in {d.webhook_id for d in added}
    with transaction(hub.sessions) as db:
        assert queue(db, [mo.id]) == []  # the same `about` again: nothing new
        assert len(queue(db, [mo.id], about="e2")) == 2
    with hub.sessions() as db:
        assert len(webhook_jobs(db)) == 4
        assert all(j.max_attempts == 1 and j.run_after is None for j in webhook_jobs(db))


def test_the_body_is_serialised_once_and_signed_as_stored(hub: Hub) -> None:
    with transaction(hub.sessions) as db:
        owner = user(db, "mo")
        _, secret = service.create_webhook(
            db, owner=owner, url=URL, events=["*"], all_resources=False, allow_private=False
        )
        [delivery] = queue(db, [owner.id])
    document = json.loads(delivery.body)
    assert document == {
        "event": "version.submitted",
        "delivery": delivery.id,
        "created_at": delivery.created_at.isoformat(),
        "resource": {"id": "happy-cat"},
        "text": "naïve ✓",
    }
    assert list(document)[:3] == ["event", "delivery", "created_at"]
    assert delivery.body.isascii() and delivery.payload == document
    kind = job_kinds(hub).get(WEBHOOK_JOB)
    payload = {"delivery_id": delivery.id, "attempt": 1, "retry": True}
    with hub.sessions() as db:
        first, again = kind.prepare(db, payload), kind.prepare(db, payload)
    assert first.body == again.body == delivery.body.encode()
    assert first.url == URL and secret not in repr(first)  # the secret stays in the hub
    header = first.headers[signing.SIGNATURE_HEADER]
    assert signing.verify(secret, first.body, header)
    assert first.headers[signing.DELIVERY_HEADER] == str(delivery.id)


def test_reserved_keys_and_bad_event_names_are_programming_errors(hub: Hub) -> None:
    with hub.sessions() as db:
        owner = user(db, "mo")
        hook(db, owner)
        with pytest.raises(ValueError, match="keys"):
            service.queue_deliveries(
                db, event="x", payload={"event": "y"}, user_ids=[owner.id], about="a"
            )
        with pytest.raises(ValueError, match="event name"):
            service.queue_deliveries(db, event="Bad Name", payload={}, user_ids=[], about="a")


def outcome(code: int | None, error: str | None = None) -> dict[str, Any]:
    return {
        "status_code": code,
        "error": error,
        "excerpt": "ok",
        "started_at": utcnow().isoformat(),
        "duration_ms": 3,
    }


def test_failed_attempts_back_off_then_fail_and_applying_twice_changes_nothing(hub: Hub) -> None:
    kind = make_kind(WebhookSettings(retry_delays=(30.0, 600.0), max_attempts=4))
    with transaction(hub.sessions) as db:
        owner = user(db, "mo")
        hook(db, owner)
        [delivery] = queue(db, [owner.id])
    waits = []
    for attempt in (1, 2, 3, 4):
        payload = {"delivery_id": delivery.id, "attempt": attempt, "retry": True}
        for _ in range(2):  # applied twice: the second changes nothing
            with transaction(hub.sessions) as db:
                before = utcnow()
                kind.apply(db, payload, outcome(503, "The receiver answered HTTP 503."))
        with hub.sessions() as db:
            row = db.get(WebhookDelivery, delivery.id)
            assert row is not None and row.attempts == attempt
            assert len(row.attempt_log) == attempt
            jobs = webhook_jobs(db)
            assert len(jobs) == min(attempt + 1, 4)
            if attempt < 4:
                assert row.status is DeliveryStatus.pending
                assert jobs[-1].payload == {**payload, "attempt": attempt + 1}
                assert jobs[-1].run_after == row.next_attempt_at
                assert row.next_attempt_at is not None
                waits.append((row.next_attempt_at - before).total_seconds())
    assert [round(w, -1) for w in waits] == [30, 600, 600]  # the last delay repeats
    assert row is not None
    assert row.status is DeliveryStatus.failed and row.next_attempt_at is None
    assert row.last_status_code == 503 and row.last_error == "The receiver answered HTTP 503."
    assert [e["attempt"] for e in row.attempt_log] == [1, 2, 3, 4]
    with hub.sessions() as db, pytest.raises(SkipJob):
        kind.prepare(db, {"delivery_id": delivery.id, "attempt": 4, "retry": True})


def test_a_2xx_delivers_and_a_lost_attempt_counts_as_failed(hub: Hub) -> None:
    kind = make_kind(WebhookSettings(retry_delays=(5.0,), max_attempts=3))
    with transaction(hub.sessions) as db:
        owner = user(db, "mo")
        hook(db, owner)
        [delivery] = queue(db, [owner.id])
    assert kind.fail is not None
    with transaction(hub.sessions) as db:
        kind.fail(db, {"delivery_id": delivery.id, "attempt": 1, "retry": True}, "worker died")
    with transaction(hub.sessions) as db:
        kind.apply(db, {"delivery_id": delivery.id, "attempt": 2, "retry": True}, outcome(200))
        kind.apply(db, {"delivery_id": delivery.id, "attempt": 2, "retry": True}, outcome(200))
    with hub.sessions() as db:
        row = db.get(WebhookDelivery, delivery.id)
        assert row is not None and row.status is DeliveryStatus.delivered
        assert row.attempts == 2 and row.delivered_at is not None and row.next_attempt_at is None
        assert row.attempt_log[0]["error"] == "The attempt did not run: worker died"
        assert row.attempt_log[1]["status_code"] == 200 and row.response_excerpt == "ok"
        assert len(webhook_jobs(db)) == 2


def test_pausing_fails_pending_deliveries_and_redelivering_makes_one_new_attempt(
    hub: Hub,
) -> None:
    kind = job_kinds(hub).get(WEBHOOK_JOB)
    with transaction(hub.sessions) as db:
        owner = user(db, "mo")
        webhook = hook(db, owner)
        [delivery] = queue(db, [owner.id])
        with pytest.raises(Conflict) as pending:
            deliveries.redeliver(db, webhook=webhook, delivery=delivery)
        assert pending.value.code == "delivery_pending"
        service.update_webhook(db, webhook=webhook, active=False, events=None)
        assert delivery.status is DeliveryStatus.failed and delivery.attempts == 1
        assert delivery.last_error == "Not sent: the webhook was paused."
        with pytest.raises(Conflict) as paused:
            deliveries.redeliver(db, webhook=webhook, delivery=delivery)
        assert paused.value.code == "webhook_paused"
    with hub.sessions() as db, pytest.raises(SkipJob):  # the queued first attempt is skipped
        kind.prepare(db, {"delivery_id": delivery.id, "attempt": 1, "retry": True})
    with transaction(hub.sessions) as db:
        webhook = service.get_webhook(db, webhook_id=webhook.id, viewer=owner)
        service.update_webhook(db, webhook=webhook, active=True, events=["version.yanked"])
        row = deliveries.get_delivery(db, webhook=webhook, delivery_id=delivery.id)
        deliveries.redeliver(db, webhook=webhook, delivery=row)
        assert row.status is DeliveryStatus.pending
    with hub.sessions() as db:
        assert webhook_jobs(db)[-1].payload == {
            "delivery_id": delivery.id,
            "attempt": 2,
            "retry": False,
        }
    with transaction(hub.sessions) as db:
        payload = {"delivery_id": delivery.id, "attempt": 2, "retry": False}
        assert kind.prepare(db, payload).body == delivery.body.encode()
        kind.apply(db, payload, outcome(500, "The receiver answered HTTP 500."))
        failed = db.get(WebhookDelivery, delivery.id)
        assert failed is not None and failed.status is DeliveryStatus.failed  # one attempt only
        assert len(webhook_jobs(db)) == 2


def test_deleting_a_webhook_removes_its_log_and_skips_its_queued_attempts(hub: Hub) -> None:
    with transaction(hub.sessions) as db:
        owner = user(db, "mo")
        webhook = hook(db, owner)
        [delivery] = queue(db, [owner.id])
    with transaction(hub.sessions) as db:
        service.delete_webhook(
            db, webhook=service.get_webhook(db, webhook_id=webhook.id, viewer=owner)
        )
    with hub.sessions() as db:
        assert db.get(WebhookDelivery, delivery.id) is None
        with pytest.raises(SkipJob):
            job_kinds(hub).get(WEBHOOK_JOB).prepare(db, {"delivery_id": delivery.id, "attempt": 1})


def test_a_permanent_refusal_fails_the_delivery_at_once(hub: Hub) -> None:
    kind = make_kind(WebhookSettings(retry_delays=(5.0,), max_attempts=6))
    with transaction(hub.sessions) as db:
        owner = user(db, "mo")
        hook(db, owner)
        [delivery] = queue(db, [owner.id])
    refused = {
        **outcome(None, REFUSED_NOT_PUBLIC),
        "permanent": True,
    }
    for _ in range(2):  # applied twice: the second changes nothing
        with transaction(hub.sessions) as db:
            kind.apply(db, {"delivery_id": delivery.id, "attempt": 1, "retry": True}, refused)
    with hub.sessions() as db:
        row = db.get(WebhookDelivery, delivery.id)
        assert row is not None and row.status is DeliveryStatus.failed
        assert (row.attempts, row.next_attempt_at) == (1, None)
        assert row.last_error == "Not sent: refused: not a public address."
        assert len(webhook_jobs(db)) == 1  # the first attempt's job only: no retry queued
