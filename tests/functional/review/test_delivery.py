"""Review events as people receive them: e-mails on a real SMTP server and signed webhook
calls on a real HTTP receiver, both on loopback, sent by the real dispatcher on Dask."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from distributed import LocalCluster

from modelhub.accounts import service as accounts
from modelhub.accounts.models import Role
from modelhub.db import transaction
from modelhub.jobs.dispatcher import Dispatcher
from modelhub.webhooks import signing
from modelhub.wiring import register_job_kinds
from tests.conftest import LiveServer, auth, make_user
from tests.functional.review.common import act, package, upload
from tests.functional.webhooks.conftest import receiver, webhook_cluster
from tests.functional.webhooks.receiver import Receiver
from tests.inbox import Inbox, inbox
from tests.waiting import eventually

__all__ = ["inbox", "package", "receiver", "webhook_cluster"]


@pytest.fixture
def delivering(
    server: LiveServer, inbox: tuple[Inbox, int], webhook_cluster: LocalCluster
) -> Iterator[LiveServer]:
    settings = server.hub.settings
    settings.smtp_host, settings.smtp_port = "127.0.0.1", inbox[1]
    settings.webhook_allow_private = True
    register_job_kinds(server.hub)  # again, bound to the SMTP server and webhook settings
    dispatcher = Dispatcher(
        server.hub.sessions, scheduler_address=webhook_cluster.scheduler_address, poll_seconds=0.1
    )
    dispatcher.start()
    server.hub.jobs = dispatcher
    yield server
    dispatcher.stop()
    server.hub.jobs = None


def _mail(inbox: Inbox, to: str, subject_start: str) -> Any:
    def arrived() -> Any:
        with inbox.lock:
            return next(
                (
                    m
                    for m in inbox.messages
                    if m["To"] == to and m["Subject"].startswith(subject_start)
                ),
                None,
            )

    return eventually(arrived, what=f"an e-mail '{subject_start}…' to {to}")


def _calls(receiver: Receiver, event: str) -> list[dict[str, Any]]:
    def called() -> list[dict[str, Any]]:
        bodies = [json.loads(r.body) for r in receiver.received()]
        return [body for body in bodies if body["event"] == event]

    return eventually(called, what=f"a webhook call for {event}")


def test_transitions_and_comments_reach_mail_and_webhooks(
    delivering: LiveServer,
    http: httpx.Client,
    member_token: str,
    package: bytes,
    inbox: tuple[Inbox, int],
    receiver: Receiver,
) -> None:
    hub = delivering.hub
    reviewer = make_user(hub, "rita", Role.reviewer)
    with transaction(hub.sessions) as db:
        accounts.get_user(db, username="mo").email = "mo@example.org"
        accounts.get_user(db, username="rita").email = "rita@example.org"
    hook = http.post(
        "/api/v1/webhooks", json={"url": receiver.url}, headers=auth(member_token)
    ).json()
    rid = upload(http, member_token, package)["resource_id"]
    act(http, member_token, rid, "submit").raise_for_status()
    http.post(
        f"/api/v1/resources/{rid}/review/comments",
        json={"body": "Which microscope?"},
        headers=auth(reviewer),
    ).raise_for_status()
    act(http, reviewer, rid, "request_changes", message="Say which microscope.").raise_for_status()
    act(http, member_token, rid, "submit").raise_for_status()
    act(http, reviewer, rid, "approve", override_reason="tested by hand").raise_for_status()

    mails, _ = inbox
    assert "Review requested" in _mail(mails, "rita@example.org", "Review requested")["Subject"]
    comment = _mail(mails, "mo@example.org", "New comment")
    assert "Which microscope?" in comment.get_payload()
    changes = _mail(mails, "mo@example.org", "Changes requested")
    assert "Say which microscope." in changes.get_payload() and rid in changes["Subject"]
    published = _mail(mails, "mo@example.org", "Published")
    assert f"/resources/{rid}?version=v1" in published.get_payload()

    for event in ("review.comment", "review.request_changes", "review.approve"):
        [call] = _calls(receiver, event)
        assert call["resource"]["id"] == rid and call["actor"] == "rita"
    assert _calls(receiver, "review.request_changes")[0]["message"] == "Say which microscope."
    approve = _calls(receiver, "review.approve")[0]
    assert (approve["from_status"], approve["to_status"], approve["version"]) == (
        "in_review", "published", "v1",
    )  # fmt: skip
    for request in receiver.received():
        assert signing.verify(
            hook["secret"], request.body, request.headers["x-modelhub-signature-256"]
        )
    # mo's own submissions are not sent to mo's webhook
    assert all(json.loads(r.body)["event"] != "review.submit" for r in receiver.received())
