"""The job rows: outbox enqueue, guarded claims and changes, orphans, visibility."""

from __future__ import annotations

import threading
from datetime import timedelta

import pytest
from sqlalchemy import select, update
from sqlalchemy.orm import Session

from modelhub.accounts.models import Role, User
from modelhub.db import make_engine, make_session_factory, transaction, utcnow
from modelhub.hub import Hub
from modelhub.jobs import service
from modelhub.jobs.models import Job, JobStatus
from modelhub.jobs.owners import new_owner_id
from modelhub.jobs.registry import UnknownJobKind
from tests.unit.jobs.conftest import KIND, dead_owner

ELSEWHERE = "another-machine/4242/abcdef/1"


def add_jobs(hub: Hub, count: int, **options: object) -> list[int]:
    with transaction(hub.sessions) as db:
        return [
            service.enqueue(db, kind=KIND, payload={"n": n}, **options).id  # type: ignore[arg-type]
            for n in range(count)
        ]


def claim(hub: Hub, owner: str, limit: int = 10, **options: object) -> list[Job]:
    with transaction(hub.sessions) as db:
        return service.claim_next(db, owner=owner, limit=limit, **options)  # type: ignore[arg-type]


def job(hub: Hub, job_id: int) -> Job:
    with hub.sessions() as db:
        found = db.get(Job, job_id)
        assert found is not None
        return found


def test_enqueue_only_flushes_and_dedupes(hub: Hub) -> None:
    with hub.sessions() as db:
        service.enqueue(db, kind=KIND, payload={"n": 1})
        assert db.scalar(select(Job.id)) is not None  # flushed, visible to its transaction
        db.rollback()
        assert db.scalar(select(Job.id)) is None
    with transaction(hub.sessions) as db:
        first = service.enqueue(db, kind=KIND, payload={"n": 1}, dedupe_key="k:1")
    with transaction(hub.sessions) as db:
        again = service.enqueue(db, kind=KIND, payload={"n": 2}, dedupe_key="k:1")
        assert db.scalar(select(Job.id).where(Job.id != first.id)) is None
    assert again.id == first.id and again.payload == {"n": 1}


def test_enqueue_refuses_unknown_kinds_and_big_payloads(hub: Hub) -> None:
    with hub.sessions() as db:
        with pytest.raises(UnknownJobKind):
            service.enqueue(db, kind="no-such-kind", payload={})
        with pytest.raises(ValueError, match="ids only"):
            service.enqueue(db, kind=KIND, payload={"blob": "x" * 10_000})


def test_claim_takes_the_oldest_queued_jobs_and_starts_an_attempt(hub: Hub) -> None:
    ids = add_jobs(hub, 3)
    owner = new_owner_id()
    taken = claim(hub, owner, limit=2, default_max_attempts=5, lease_seconds=30)
    assert [j.id for j in taken] == ids[:2]
    first = taken[0]
    assert (first.status, first.attempts, first.max_attempts) == (JobStatus.running, 1, 5)
    assert first.lease_owner == owner and first.started_at is not None
    assert first.lease_expires_at is not None and first.lease_expires_at > utcnow()
    assert claim(hub, owner, kinds={"something-else"}) == []
    assert [j.id for j in claim(hub, owner)] == ids[2:]
    assert claim(hub, owner) == []


def test_concurrent_claims_never_take_a_job_twice(hub: Hub) -> None:
    ids = add_jobs(hub, 40)
    engines = [make_engine(hub.settings.resolved_database_url) for _ in range(4)]
    taken: list[list[int]] = [[] for _ in engines]
    start = threading.Barrier(len(engines))

    def claimer(index: int) -> None:
        sessions = make_session_factory(engines[index])
        start.wait()
        while True:
            with transaction(sessions) as db:
                got = service.claim_next(db, owner=f"claimer-{index}", limit=3)
            if not got:
                return
            taken[index].extend(j.id for j in got)

    threads = [threading.Thread(target=claimer, args=(i,)) for i in range(len(engines))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    for engine in engines:
        engine.dispose()
    every = [job_id for mine in taken for job_id in mine]
    assert sorted(every) == ids  # each exactly once


def test_changes_need_the_current_holder_and_attempt(hub: Hub) -> None:
    (job_id,) = add_jobs(hub, 1)
    owner = new_owner_id()
    claim(hub, owner, default_max_attempts=2)
    with transaction(hub.sessions) as db:
        assert service.finish(db, job_id=job_id, owner="someone", attempt=1, result=1) is None
        assert service.finish(db, job_id=job_id, owner=owner, attempt=2, result=1) is None
        again = service.retry_or_fail(db, job_id=job_id, owner=owner, attempt=1, error="E.")
    assert again is not None and (again.status, again.error) == (JobStatus.queued, "E.")
    claim(hub, owner)
    with transaction(hub.sessions) as db:
        failed = service.retry_or_fail(db, job_id=job_id, owner=owner, attempt=2, error="E2.")
        assert service.finish(db, job_id=job_id, owner=owner, attempt=2, result=1) is None
    assert failed is not None and failed.status is JobStatus.failed
    assert failed.error == "E2. Gave up after 2 attempts." and failed.finished_at is not None
    assert failed.lease_owner is None


def test_finish_keeps_only_small_json_results(hub: Hub) -> None:
    ids = add_jobs(hub, 2)
    owner = new_owner_id()
    claim(hub, owner)
    with transaction(hub.sessions) as db:
        small = service.finish(db, job_id=ids[0], owner=owner, attempt=1, result={"ok": [1]})
        big = service.finish(db, job_id=ids[1], owner=owner, attempt=1, result="x" * 20_000)
    assert small is not None and (small.status, small.result) == (JobStatus.succeeded, {"ok": [1]})
    assert big is not None and (big.status, big.result) == (JobStatus.succeeded, None)


def test_release_gives_the_attempt_back(hub: Hub) -> None:
    (job_id,) = add_jobs(hub, 1)
    owner = new_owner_id()
    claim(hub, owner)
    with transaction(hub.sessions) as db:
        assert service.release(db, job_id=job_id, owner=owner, attempt=1)
        assert not service.release(db, job_id=job_id, owner=owner, attempt=1)
    released = job(hub, job_id)
    assert (released.status, released.attempts, released.lease_owner) == (JobStatus.queued, 0, None)


def set_lease(db: Session, job_id: int, *, owner: str, expires_in: float) -> None:
    db.execute(
        update(Job)
        .where(Job.id == job_id)
        .values(lease_owner=owner, lease_expires_at=utcnow() + timedelta(seconds=expires_in))
    )


def test_orphans_are_jobs_whose_holder_is_gone(hub: Hub) -> None:
    me = new_owner_id()
    expired, alive_elsewhere, dead_here, mine, used_up = add_jobs(hub, 5)
    claim(hub, "placeholder", default_max_attempts=3)
    with transaction(hub.sessions) as db:
        set_lease(db, expired, owner=ELSEWHERE, expires_in=-1)
        set_lease(db, alive_elsewhere, owner=ELSEWHERE, expires_in=60)
        set_lease(db, dead_here, owner=dead_owner(), expires_in=60)
        set_lease(db, mine, owner=me, expires_in=60)
        set_lease(db, used_up, owner=ELSEWHERE, expires_in=-1)
        db.execute(update(Job).where(Job.id == used_up).values(attempts=3))

    with transaction(hub.sessions) as db:
        changed = {j.id: j.status for j in service.requeue_orphans(db, owner=me)}

    assert changed == {
        expired: JobStatus.queued,
        dead_here: JobStatus.queued,
        used_up: JobStatus.failed,
    }
    assert job(hub, expired).error == service.JOB_LOST
    assert job(hub, expired).attempts == 1  # the lost attempt counts
    assert job(hub, used_up).error == f"{service.JOB_LOST} Gave up after 3 attempts."
    assert job(hub, alive_elsewhere).status is JobStatus.running
    assert job(hub, mine).status is JobStatus.running


def test_the_heartbeat_renews_only_the_jobs_it_names(hub: Hub) -> None:
    me = new_owner_id()
    tracked, lost = add_jobs(hub, 2)
    claim(hub, me, lease_seconds=5)
    with transaction(hub.sessions) as db:
        assert service.renew_leases(db, owner=me, job_ids=[tracked], lease_seconds=600) == 1
        assert service.renew_leases(db, owner="someone", job_ids=[tracked]) == 0
    assert job(hub, tracked).lease_expires_at > utcnow() + timedelta(seconds=500)  # type: ignore[operator]
    later = utcnow() + timedelta(seconds=10)
    with transaction(hub.sessions) as db:
        # its own holder hands out a job it no longer tracks, once its lease ran out
        assert [j.id for j in service.requeue_orphans(db, owner=me, now=later)] == [lost]


def test_a_job_is_visible_to_admins_and_to_whoever_caused_it(hub: Hub) -> None:
    with transaction(hub.sessions) as db:
        users = {
            name: User(username=name, role=role)
            for name, role in [("ada", Role.admin), ("mo", Role.member), ("eve", Role.reviewer)]
        }
        db.add_all(users.values())
        db.flush()
        job_id = service.enqueue(db, kind=KIND, payload={}, created_by_id=users["mo"].id).id
    with hub.sessions() as db:
        for name in ("ada", "mo"):
            assert service.get_job(db, job_id=job_id, viewer=users[name]).id == job_id
        with pytest.raises(service.JobNotFound):
            service.get_job(db, job_id=job_id, viewer=users["eve"])
        with pytest.raises(service.JobNotFound):
            service.get_job(db, job_id=job_id + 1, viewer=users["ada"])
