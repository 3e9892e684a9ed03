"""Job status over HTTP, and the app's lifespan running the hub's own (embedded) cluster."""

from __future__ import annotations

import asyncio
from pathlib import Path

import httpx
from distributed import LocalCluster
from sqlalchemy import select

from modelhub.accounts.models import User
from modelhub.app import create_app
from modelhub.db import transaction
from modelhub.hub import Hub
from modelhub.jobs import service
from modelhub.wiring import dispatcher_for
from tests.conftest import auth, make_user
from tests.functional.jobs import kinds
from tests.functional.jobs.conftest import new_dispatcher


def enqueue(
    hub: Hub, kind: str, n: int, *, by: str | None = None, max_attempts: int | None = None
) -> int:
    with transaction(hub.sessions) as db:
        creator = db.scalar(select(User.id).where(User.username == by)) if by else None
        job = service.enqueue(
            db, kind=kind, payload={"n": n}, created_by_id=creator, max_attempts=max_attempts
        )
        return job.id


def test_a_job_is_shown_to_the_person_who_caused_it_and_to_admins(
    hub: Hub,
    http: httpx.Client,
    cluster: LocalCluster,
    scratch: Path,
    admin_token: str,
    member_token: str,
) -> None:
    other_token = make_user(hub, "eve")
    mine = enqueue(hub, "test-square", 8, by="mo")
    theirs = enqueue(hub, "test-raise", 9, max_attempts=1)

    queued = http.get(f"/api/v1/jobs/{mine}", headers=auth(member_token))
    assert queued.status_code == 200
    assert queued.json() | {"created_at": None} == {
        "id": mine,
        "kind": "test-square",
        "status": "queued",
        "payload": {"n": 8},
        "attempts": 0,
        "max_attempts": None,
        "created_at": None,
        "started_at": None,
        "finished_at": None,
        "error": None,
        "result": None,
    }
    assert http.get(f"/api/v1/jobs/{mine}", headers=auth(other_token)).status_code == 404
    assert http.get(f"/api/v1/jobs/{theirs}", headers=auth(member_token)).status_code == 404
    assert http.get(f"/api/v1/jobs/{mine}").status_code == 401

    dispatcher = new_dispatcher(hub, cluster)
    dispatcher.start()
    try:
        dispatcher.drain(timeout=30)
    finally:
        dispatcher.stop()

    done = http.get(f"/api/v1/jobs/{mine}", headers=auth(member_token)).json()
    assert (done["status"], done["attempts"], done["max_attempts"], done["result"]) == (
        "succeeded",
        1,
        3,
        64,
    )
    assert done["created_at"] <= done["started_at"] <= done["finished_at"]
    failed = http.get(f"/api/v1/jobs/{theirs}", headers=auth(admin_token)).json()
    assert failed["status"] == "failed"
    assert failed["error"] == "ValueError: cannot handle 9. Gave up after 1 attempt."
    listed = http.get("/api/v1/jobs", params={"status": "failed"}, headers=auth(admin_token))
    assert [job["id"] for job in listed.json()] == [theirs]
    assert http.get("/api/v1/jobs", headers=auth(member_token)).status_code == 403


def test_the_app_starts_and_stops_the_hubs_dispatcher(hub: Hub, scratch: Path) -> None:
    hub.settings.dask_workers = 1  # the embedded LocalCluster, as `modelhub serve` runs it
    dispatcher = dispatcher_for(hub)
    hub.jobs = dispatcher
    app = create_app(hub=hub)

    async def serve_for_a_while() -> None:
        async with app.router.lifespan_context(app):
            assert dispatcher.running
            enqueue(hub, "test-square", 12)  # its commit wakes the dispatcher
            await asyncio.to_thread(dispatcher.drain, 30)

    asyncio.run(serve_for_a_while())

    assert not dispatcher.running
    with hub.sessions() as db:
        assert kinds.stored(db) == {12: "144"}
