"""The dispatcher with a real cluster: outbox, exactly-once results, lost workers, races."""

from __future__ import annotations

import os
from datetime import timedelta
from pathlib import Path

import pytest
from distributed import Client, LocalCluster
from sqlalchemy import select

from modelhub.db import make_engine, make_session_factory, transaction
from modelhub.hub import Hub
from modelhub.jobs import service
from modelhub.jobs.cluster import WORKER_LOST
from modelhub.jobs.dispatcher import Dispatcher
from modelhub.jobs.models import Job, JobStatus
from modelhub.jobs.niceness import NICENESS
from modelhub.wiring import job_kinds
from tests.functional.jobs import kinds
from tests.functional.jobs.conftest import new_dispatcher
from tests.waiting import eventually


def jobs_by_n(hub: Hub) -> dict[int, Job]:
    with hub.sessions() as db:
        return {job.payload["n"]: job for job in db.scalars(select(Job))}


def test_only_committed_jobs_run_and_each_once(
    hub: Hub, cluster: LocalCluster, scratch: Path
) -> None:
    # it would poll only after a minute: the commit itself must wake it
    dispatcher = new_dispatcher(hub, cluster, poll_seconds=60)
    dispatcher.start()
    try:
        enqueue_in_two_transactions(hub)

        def all_finished() -> bool:
            """every committed job finished"""
            return {j.status for j in jobs_by_n(hub).values()} == {JobStatus.succeeded}

        eventually(all_finished)
    finally:
        dispatcher.stop()

    jobs = jobs_by_n(hub)
    assert set(jobs) == {2, 3}
    assert jobs[2].status is JobStatus.succeeded and jobs[2].attempts == 1
    assert jobs[2].result == 4 and jobs[2].finished_at is not None
    assert jobs[3].result == {"skipped": "nothing to do for this one"}
    assert kinds.runs_of(scratch, 1) == 0 and kinds.runs_of(scratch, 3) == 0
    assert kinds.runs_of(scratch, 2) == 1
    assert kinds.CALLS.applied == {2: 1}
    with hub.sessions() as db:
        assert kinds.stored(db) == {2: "4"}


def enqueue_in_two_transactions(hub: Hub) -> None:
    """One that rolls back, one that commits (with a duplicate and a job to skip)."""

    def change_that_fails() -> None:
        with transaction(hub.sessions) as db:
            service.enqueue(db, kind="test-square", payload={"n": 1})
            raise RuntimeError("the change that needed the job failed")

    with pytest.raises(RuntimeError):
        change_that_fails()
    with transaction(hub.sessions) as db:
        service.enqueue(db, kind="test-square", payload={"n": 2}, dedupe_key="square:2")
        service.enqueue(db, kind="test-square", payload={"n": 2}, dedupe_key="square:2")
        service.enqueue(db, kind="test-square", payload={"n": 3, "skip": True})


def test_applying_a_result_twice_leaves_the_same_state(
    hub: Hub, dispatcher: Dispatcher, scratch: Path
) -> None:
    with transaction(hub.sessions) as db:
        service.enqueue(db, kind="test-square", payload={"n": 5})
    dispatcher.drain(timeout=30)
    with hub.sessions() as db:
        before = kinds.stored(db)
    job = jobs_by_n(hub)[5]

    with transaction(hub.sessions) as db:
        job_kinds(hub).get(job.kind).apply(db, job.payload, job.result)

    with hub.sessions() as db:
        assert kinds.stored(db) == before == {5: "25"}
    # and the dispatcher does not apply a finished attempt again
    with transaction(hub.sessions) as db:
        again = service.finish(
            db, job_id=job.id, owner=dispatcher.owner, attempt=job.attempts, result=25
        )
    assert again is None


def test_a_lost_worker_costs_one_attempt_and_the_dispatcher_goes_on(
    hub: Hub, cluster: LocalCluster, scratch: Path
) -> None:
    # one job at a time, so that no job is lost as a bystander of a worker another one killed
    dispatcher = new_dispatcher(hub, cluster, max_in_flight=1)
    dispatcher.start()
    try:
        run_lost_worker_jobs(hub, dispatcher)
    finally:
        dispatcher.stop()

    jobs = jobs_by_n(hub)
    assert (jobs[20].status, jobs[20].attempts, jobs[20].result) == (JobStatus.succeeded, 2, 400)
    assert (jobs[21].status, jobs[21].attempts) == (JobStatus.failed, 2)
    assert jobs[21].error == f"{WORKER_LOST} Gave up after 2 attempts."
    assert (jobs[22].status, jobs[22].attempts) == (JobStatus.failed, 3)
    assert jobs[22].error == "ValueError: cannot handle 22. Gave up after 3 attempts."
    assert jobs[23].status is JobStatus.succeeded
    assert [kinds.runs_of(scratch, n) for n in (20, 21, 22, 23)] == [2, 2, 3, 1]
    assert kinds.CALLS.applied == {20: 1, 23: 1}
    assert kinds.CALLS.failed == {21: 1, 22: 1}
    with hub.sessions() as db:
        effects = kinds.stored(db)
    assert effects[21] == f"failed: {jobs[21].error}"


def run_lost_worker_jobs(hub: Hub, dispatcher: Dispatcher) -> None:
    with transaction(hub.sessions) as db:
        service.enqueue(db, kind="test-crash-once", payload={"n": 20})
        service.enqueue(db, kind="test-crash-always", payload={"n": 21}, max_attempts=2)
        service.enqueue(db, kind="test-raise", payload={"n": 22})
    dispatcher.drain(timeout=60)

    with transaction(hub.sessions) as db:
        service.enqueue(db, kind="test-square", payload={"n": 23})
    dispatcher.drain(timeout=30)


def test_faulty_hooks_cannot_keep_a_job_from_ending(
    hub: Hub, dispatcher: Dispatcher, scratch: Path
) -> None:
    with transaction(hub.sessions) as db:
        service.enqueue(db, kind="test-faulty-hooks", payload={"n": 24}, max_attempts=2)
    dispatcher.drain(timeout=30)

    job = jobs_by_n(hub)[24]
    assert (job.status, job.attempts) == (JobStatus.failed, 2)
    assert job.error == (
        "Writing its result failed: RuntimeError: the result table is gone. "
        "Gave up after 2 attempts."
    )
    assert kinds.runs_of(scratch, 24) == 2


def test_the_lease_of_a_running_job_is_renewed(
    hub: Hub, cluster: LocalCluster, scratch: Path
) -> None:
    dispatcher = new_dispatcher(hub, cluster, lease_seconds=0.6)  # a heartbeat every 0.2 s
    dispatcher.start()
    try:
        with transaction(hub.sessions) as db:
            service.enqueue(db, kind="test-gate", payload={"n": 25})
        eventually(lambda: kinds.runs_of(scratch, 25) == 1, what="job 25 started once")
        first = jobs_by_n(hub)[25].lease_expires_at
        assert first is not None

        def renewed() -> bool:
            """the lease moved on"""
            later = jobs_by_n(hub)[25].lease_expires_at
            return later is not None and later > first + timedelta(seconds=0.6)

        eventually(renewed)
        (scratch / "open").touch()
        dispatcher.drain(timeout=30)
    finally:
        dispatcher.stop()
    job = jobs_by_n(hub)[25]
    assert (job.status, job.attempts) == (JobStatus.succeeded, 1)  # never taken for an orphan


def test_two_dispatchers_on_one_database_never_run_a_job_twice(
    hub: Hub, cluster: LocalCluster, scratch: Path
) -> None:
    # the second one has its own engine, as another hub process would
    other_engine = make_engine(hub.settings.resolved_database_url)
    first = new_dispatcher(hub, cluster)
    second = Dispatcher(
        make_session_factory(other_engine),
        kinds=job_kinds(hub),
        scheduler_address=cluster.scheduler_address,
        poll_seconds=0.05,
    )
    numbers = range(100, 130)
    try:
        first.start()
        second.start()
        with transaction(hub.sessions) as db:
            for n in numbers:
                service.enqueue(db, kind="test-square", payload={"n": n})
        second.notify()
        first.drain(timeout=60)
    finally:
        first.stop()
        second.stop()
        other_engine.dispose()

    jobs = jobs_by_n(hub)
    assert {job.status for job in jobs.values()} == {JobStatus.succeeded}
    assert {job.attempts for job in jobs.values()} == {1}
    assert [kinds.runs_of(scratch, n) for n in numbers] == [1] * len(numbers)
    assert kinds.CALLS.applied == dict.fromkeys(numbers, 1)


def test_progress_reaches_the_hub_and_a_warm_key_keeps_its_worker(
    hub: Hub, dispatcher: Dispatcher, scratch: Path
) -> None:
    for n in (1, 2, 3):  # one after the other: each finds the last one's worker idle
        with transaction(hub.sessions) as db:
            service.enqueue(db, kind="test-progress", payload={"n": n})

        def applied(n: int = n) -> bool:
            return kinds.CALLS.applied[n] == 1

        eventually(applied, what=f"job {n} applied")
    assert sorted(kinds.CALLS.progress) == [(n, {"step": n}) for n in (1, 2, 3)]
    workers = set().union(*(kinds.run_pids(scratch, n) for n in (1, 2, 3)))
    assert len(workers) == 1  # the cluster has two workers: the key kept its home


def _niceness() -> int:
    return os.nice(0)


def test_embedded_workers_run_below_the_web_servers_priority(cluster: LocalCluster) -> None:
    # checks and predictions (and the sandboxes they start) must not slow the pages down
    with Client(cluster) as client:
        seen = client.run(_niceness)
    assert seen and all(value >= min(19, os.nice(0) + NICENESS) for value in seen.values())
