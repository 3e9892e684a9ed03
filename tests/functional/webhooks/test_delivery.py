"""Webhooks end to end: the HTTP API, the real dispatcher on a Dask worker, a real receiver on
a loopback port; signatures, retries with backoff, giving up, redelivering, dedupe."""

from __future__ import annotations

import itertools
import json
from typing import Any

import httpx

from modelhub.db import transaction
from modelhub.webhooks import service, signing
from tests.conftest import LiveServer, auth
from tests.functional.webhooks.conftest import DELAYS, MAX_ATTEMPTS, wait_for_delivery
from tests.functional.webhooks.receiver import Receiver


def create(http: httpx.Client, token: str, url: str, **fields: Any) -> dict[str, Any]:
    r = http.post("/api/v1/webhooks", json={"url": url, **fields}, headers=auth(token))
    assert r.status_code == 201, r.text
    created: dict[str, Any] = r.json()
    return created


def test_a_ping_arrives_signed_with_the_secret_shown_once(
    hooked: LiveServer, http: httpx.Client, member_token: str, receiver: Receiver
) -> None:
    created = create(http, member_token, receiver.url)
    secret = created["secret"]
    assert len(secret) >= 40 and created["events"] == ["*"] and created["active"]
    shown = http.get(f"/api/v1/webhooks/{created['id']}", headers=auth(member_token)).json()
    listed = http.get("/api/v1/webhooks", headers=auth(member_token)).json()
    assert "secret" not in shown and [w["id"] for w in listed] == [created["id"]]
    assert secret not in json.dumps(listed)

    r = http.post(f"/api/v1/webhooks/{created['id']}/ping", headers=auth(member_token))
    assert r.status_code == 202, r.text
    queued = r.json()
    assert queued["status"] == "pending" and queued["event"] == "ping"
    [got] = receiver.wait_for(1)
    assert got.method == "POST" and got.path == "/hook"
    assert signing.verify(secret, got.body, got.headers["x-modelhub-signature-256"])
    assert not signing.verify("another secret", got.body, got.headers["x-modelhub-signature-256"])
    assert got.headers["x-modelhub-event"] == "ping"
    assert got.headers["x-modelhub-delivery"] == str(queued["id"])
    assert got.headers["x-modelhub-timestamp"].isdigit()
    body = json.loads(got.body)
    assert body["event"] == "ping" and body["delivery"] == queued["id"]
    assert body["webhook"] == {"id": created["id"], "url": receiver.url, "events": ["*"]}
    assert got.body == json.dumps(queued["payload"], separators=(",", ":")).encode()

    done = wait_for_delivery(http, member_token, created["id"], queued["id"])
    assert done["status"] == "delivered" and done["attempts"] == 1
    assert done["last_status_code"] == 200 and done["response_excerpt"] == "thanks"
    assert [a["status_code"] for a in done["attempt_log"]] == [200]
    assert done["delivered_at"] is not None and done["next_attempt_at"] is None


def test_failed_attempts_are_retried_with_backoff_and_logged(
    hooked: LiveServer, http: httpx.Client, member_token: str, receiver: Receiver
) -> None:
    created = create(http, member_token, receiver.url, events=["version.approved"])
    receiver.answer(500, 500)  # then 200
    hub = hooked.hub
    with transaction(hub.sessions) as db:  # as the review workflow does, in its transaction
        owner_id = created["owner_id"]
        [delivery] = service.queue_deliveries(
            db,
            event="version.approved",
            payload={"resource": {"id": "happy-cat"}, "version": 1},
            user_ids=[owner_id],
            about="review-event:1",
        )
        # an event it did not subscribe to: no delivery
        assert not service.queue_deliveries(
            db, event="version.rejected", payload={}, user_ids=[owner_id], about="review-event:2"
        )
    done = wait_for_delivery(http, member_token, created["id"], delivery.id)
    assert done["status"] == "delivered" and done["attempts"] == 3
    assert [a["status_code"] for a in done["attempt_log"]] == [500, 500, 200]
    assert done["attempt_log"][0]["error"] == "The receiver answered HTTP 500."
    assert done["attempt_log"][2]["error"] is None
    got = receiver.wait_for(3)
    assert len(receiver.received()) == 3
    # every attempt sends the very same bytes, with the same signature and delivery id
    assert {r.body for r in got} == {delivery.body.encode()}
    assert len({r.headers["x-modelhub-signature-256"] for r in got}) == 1
    assert {r.headers["x-modelhub-delivery"] for r in got} == {str(delivery.id)}
    assert json.loads(got[0].body)["resource"] == {"id": "happy-cat"}
    # the backoff: no retry came before its delay (delayed jobs are not claimed early)
    gaps = [later.at - earlier.at for earlier, later in itertools.pairwise(got)]
    assert gaps[0] >= DELAYS[0] * 0.95 and gaps[1] >= DELAYS[1] * 0.95, gaps


def test_a_receiver_that_always_fails_ends_failed_and_can_be_redelivered(
    hooked: LiveServer, http: httpx.Client, member_token: str, receiver: Receiver
) -> None:
    created = create(http, member_token, receiver.url)
    receiver.answer(default=503)
    ping = http.post(f"/api/v1/webhooks/{created['id']}/ping", headers=auth(member_token)).json()
    failed = wait_for_delivery(http, member_token, created["id"], ping["id"])
    assert failed["status"] == "failed" and failed["attempts"] == MAX_ATTEMPTS
    assert failed["last_status_code"] == 503 and failed["next_attempt_at"] is None
    assert [a["status_code"] for a in failed["attempt_log"]] == [503] * MAX_ATTEMPTS
    assert hooked.hub.jobs is not None
    hooked.hub.jobs.drain(timeout=30)
    assert len(receiver.received()) == MAX_ATTEMPTS  # and not one more

    receiver.answer(default=200)
    path = f"/api/v1/webhooks/{created['id']}/deliveries/{ping['id']}/redeliver"
    r = http.post(path, headers=auth(member_token))
    assert r.status_code == 202, r.text
    again = wait_for_delivery(http, member_token, created["id"], ping["id"])
    assert again["status"] == "delivered" and again["attempts"] == MAX_ATTEMPTS + 1
    got = receiver.wait_for(MAX_ATTEMPTS + 1)
    assert got[-1].body == got[0].body
    assert got[-1].headers["x-modelhub-delivery"] == str(ping["id"])
    log = http.get(f"/api/v1/webhooks/{created['id']}/deliveries", headers=auth(member_token))
    assert [d["id"] for d in log.json()] == [ping["id"]]


def test_the_same_event_queued_twice_is_delivered_once(
    hooked: LiveServer, http: httpx.Client, member_token: str, receiver: Receiver
) -> None:
    created = create(http, member_token, receiver.url)
    hub = hooked.hub
    for _ in range(2):  # e.g. a job whose result was applied twice
        with transaction(hub.sessions) as db:
            service.queue_deliveries(
                db,
                event="comment.added",
                payload={"comment": {"id": 9}},
                user_ids=[created["owner_id"]],
                about="review-comment:9",
            )
    assert hub.jobs is not None
    hub.jobs.drain(timeout=30)
    assert len(receiver.received()) == 1
    log = http.get(f"/api/v1/webhooks/{created['id']}/deliveries", headers=auth(member_token))
    assert [(d["event"], d["status"]) for d in log.json()] == [("comment.added", "delivered")]
