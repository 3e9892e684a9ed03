"""One attempt against a real receiver on the loopback: what is sent, what is read, what counts
as a failure, and the SSRF guard before connecting."""

from __future__ import annotations

import pytest

from modelhub.webhooks import sender, signing
from tests.conftest import free_port
from tests.functional.webhooks.receiver import HANG, TRICKLE, running_receiver

pytestmark = pytest.mark.dbless

BODY = b'{"event":"ping","delivery":3,"created_at":"2030-01-01T00:00:00+00:00"}'


def headers() -> dict[str, str]:
    return signing.headers(secret="k", body=BODY, event="ping", delivery_id=3, timestamp=5)


def test_a_2xx_answer_is_a_success_and_the_bytes_arrive_as_sent() -> None:
    with running_receiver(204, reply=b"") as receiver:
        outcome = sender.post(receiver.url, BODY, headers(), allow_private=True)
        [got] = receiver.received()
    assert outcome.ok and outcome.status_code == 204 and outcome.error is None
    assert got.method == "POST" and got.path == "/hook" and got.body == BODY
    assert got.headers["host"] == receiver.url.split("/")[2]
    assert got.headers["content-type"] == "application/json"
    assert got.headers["user-agent"].startswith("modelhub-webhooks/")
    assert got.headers["x-modelhub-event"] == "ping"
    assert got.headers["x-modelhub-delivery"] == "3"
    assert signing.verify("k", got.body, got.headers["x-modelhub-signature-256"])
    assert outcome.duration_ms >= 0


def test_other_answers_fail_and_a_redirect_is_not_followed() -> None:
    with running_receiver(500, 302) as receiver:
        failed = sender.post(receiver.url, BODY, headers(), allow_private=True)
        moved = sender.post(receiver.url, BODY, headers(), allow_private=True)
        assert len(receiver.received()) == 2  # the redirect's target was not asked
    assert not failed.ok and failed.status_code == 500
    assert failed.error == "The receiver answered HTTP 500." and failed.excerpt == "thanks"
    assert not moved.ok and moved.status_code == 302 and moved.error is not None


def test_at_most_one_kilobyte_of_the_answer_is_kept() -> None:
    with running_receiver(reply=b"x" * 100_000) as receiver:
        outcome = sender.post(receiver.url, BODY, headers(), allow_private=True)
    assert outcome.ok and outcome.excerpt == "x" * 1024


def test_no_answer_in_time_and_no_connection_are_failures() -> None:
    with running_receiver(HANG) as receiver:
        silent = sender.post(receiver.url, BODY, headers(), allow_private=True, timeout_s=0.3)
    assert silent.status_code is None and silent.error is not None
    assert "within 0.3 s" in silent.error
    with running_receiver(TRICKLE) as receiver:
        # each read gets a byte in time, but the whole answer never comes
        slow = sender.post(
            receiver.url, BODY, headers(), allow_private=True, timeout_s=0.3, total_s=0.8
        )
    assert slow.status_code is None and slow.error is not None
    assert "No complete answer" in slow.error and "within 0.8 s" in slow.error
    assert 800 <= slow.duration_ms < 5000
    closed = sender.post(f"http://127.0.0.1:{free_port()}/", BODY, headers(), allow_private=True)
    assert closed.status_code is None and closed.error is not None
    assert closed.error.startswith("Could not connect to 127.0.0.1")


def test_a_loopback_receiver_is_refused_before_connecting_unless_allowed() -> None:
    with running_receiver() as receiver:
        # by name: resolved on the worker, refused there
        by_name = receiver.url.replace("127.0.0.1", "localhost")
        refused = sender.post(by_name, BODY, headers(), allow_private=False)
        literal = sender.post(receiver.url, BODY, headers(), allow_private=False)
        assert receiver.received() == []
        allowed = sender.post(by_name, BODY, headers(), allow_private=True)
        [got] = receiver.received()
    # it connected to the address it checked, and told the server the name from the URL
    assert got.headers["host"] == by_name.split("/")[2]
    for outcome in (refused, literal):
        assert not outcome.ok and outcome.status_code is None and outcome.permanent
        # the same words whatever the name resolved to: the address is not revealed
        assert outcome.error == "Not sent: refused: not a public address."
    assert allowed.ok and not allowed.permanent
