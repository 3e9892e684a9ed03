"""Delayed jobs: ``run_after`` keeps a queued job from being claimed before its time."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest

from modelhub.db import transaction, utcnow
from modelhub.hub import Hub
from modelhub.jobs import service
from modelhub.jobs.models import Job, JobStatus
from tests.unit.jobs.conftest import KIND

OWNER = "another-machine/4242/abcdef/1"


def add(hub: Hub, n: int, run_after: datetime | None) -> int:
    with transaction(hub.sessions) as db:
        return service.enqueue(db, kind=KIND, payload={"n": n}, run_after=run_after).id


def claim(hub: Hub, now: datetime) -> list[int]:
    with transaction(hub.sessions) as db:
        return [job.id for job in service.claim_next(db, owner=OWNER, limit=10, now=now)]


def test_a_delayed_job_waits_for_its_time_and_does_not_hold_up_others(hub: Hub) -> None:
    start = utcnow()
    later = add(hub, 1, start + timedelta(minutes=5))
    at_once = add(hub, 2, None)
    due = add(hub, 3, start - timedelta(seconds=1))
    assert claim(hub, start) == [at_once, due]
    assert claim(hub, start + timedelta(minutes=4)) == []
    assert claim(hub, start + timedelta(minutes=5)) == [later]
    with hub.sessions() as db:
        job = db.get(Job, later)
        assert job is not None
        assert job.status is JobStatus.running and job.run_after == start + timedelta(minutes=5)


def test_without_now_the_clock_decides(hub: Hub) -> None:
    add(hub, 1, utcnow() + timedelta(hours=1))
    with transaction(hub.sessions) as db:
        assert service.claim_next(db, owner=OWNER, limit=10) == []
        assert service.count_unfinished(db) == 1  # still queued: drain waits for it


def test_run_after_must_carry_a_time_zone(hub: Hub) -> None:
    with hub.sessions() as db, pytest.raises(ValueError, match="timezone"):
        service.enqueue(db, kind=KIND, payload={"n": 1}, run_after=datetime(2030, 1, 1))
