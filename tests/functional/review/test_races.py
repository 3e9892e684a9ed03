"""Races: two reviewers acting on one draft at once → exactly one transition, the other a 409;
an upload during an approval never gets the new revision published."""

from __future__ import annotations

import threading
import time
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import httpx
from sqlalchemy import select

from modelhub.accounts.models import Role
from modelhub.catalog.models import ResourceVersion, VersionStatus
from modelhub.review.models import ReviewEvent
from tests.conftest import LiveServer, auth, changed_zip, make_user
from tests.functional.review.common import act, package, upload

__all__ = ["package"]
ROUNDS = 6


def _together(*calls: Any, stagger: float = 0.0) -> list[Any]:
    """Run the calls in threads released at the same moment (the first one ``stagger`` seconds
    later, to vary which one commits first); their results in order."""
    barrier = threading.Barrier(len(calls))

    def run(call: Any) -> Any:
        barrier.wait(timeout=30)
        if call is calls[0] and stagger:
            time.sleep(stagger)
        return call()

    with ThreadPoolExecutor(len(calls)) as pool:
        return list(pool.map(run, calls))


def test_two_reviewers_one_transition(
    server: LiveServer, member_token: str, package: bytes
) -> None:
    one = make_user(server.hub, "rita", Role.reviewer)
    two = make_user(server.hub, "rolf", Role.reviewer)
    with (
        httpx.Client(base_url=server.url, timeout=60) as a,
        httpx.Client(base_url=server.url, timeout=60) as b,
    ):
        for i in range(ROUNDS):
            # a changed package each round: the hub refuses one identical to what it holds
            rid = upload(a, member_token, changed_zip(package, f"Round {i}."))["resource_id"]
            act(a, member_token, rid, "submit").raise_for_status()
            approve, send_back = _together(
                lambda rid=rid: act(a, one, rid, "approve", revision=1, override_reason="fine"),
                lambda rid=rid: act(b, two, rid, "request_changes", revision=1, message="no"),
            )
            codes = sorted([approve.status_code, send_back.status_code])
            assert codes in ([200, 409], [201, 409]), (approve.text, send_back.text)
            loser = approve if approve.status_code == 409 else send_back
            assert loser.json()["error"]["message"]
            with server.hub.sessions() as db:
                moves = db.scalars(
                    select(ReviewEvent.action).where(
                        ReviewEvent.resource_id == rid, ReviewEvent.from_status == "in_review"
                    )
                ).all()
            assert len(moves) == 1


def test_upload_during_approval_never_publishes_the_new_revision(
    server: LiveServer, member_token: str, package: bytes
) -> None:
    rev = make_user(server.hub, "rita", Role.reviewer)
    outcomes = []
    with (
        httpx.Client(base_url=server.url, timeout=60) as a,
        httpx.Client(base_url=server.url, timeout=60) as b,
    ):
        for i in range(ROUNDS):
            first, again = (changed_zip(package, f"Round {i}{n}.") for n in ("", ", again"))
            began = time.monotonic()
            rid = upload(a, member_token, first)["resource_id"]
            # from "at once" to "after the upload could have finished": both orders happen
            stagger = (time.monotonic() - began) * 1.5 * i / (ROUNDS - 1)
            act(a, member_token, rid, "submit").raise_for_status()
            approved, uploaded = _together(
                lambda rid=rid: act(a, rev, rid, "approve", revision=1, override_reason="fine"),
                lambda rid=rid, again=again: b.post(
                    "/api/v1/uploads",
                    content=again,
                    params={"resource_id": rid},
                    headers={**auth(member_token), "content-type": "application/zip"},
                ),
                stagger=stagger,
            )
            assert uploaded.status_code == 201, uploaded.text
            assert approved.status_code in (201, 409), approved.text
            if approved.status_code == 201:
                assert approved.json()["revision"] == 1
            with server.hub.sessions() as db:
                rows = db.execute(
                    select(ResourceVersion.revision, ResourceVersion.status).where(
                        ResourceVersion.resource_id == rid
                    )
                ).all()
            published = [r for r, s in rows if s is VersionStatus.published]
            assert published == ([1] if approved.status_code == 201 else [])
            assert dict(rows)[2] is VersionStatus.draft  # the new upload waits for its review
            outcomes.append(approved.status_code)
    assert set(outcomes) <= {201, 409}
    print("approval outcomes while uploading:", outcomes)
