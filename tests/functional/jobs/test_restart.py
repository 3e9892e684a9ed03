"""Jobs survive their hub: a clean stop gives running jobs back, a killed hub's jobs are handed
out again, and either way every job's result is written exactly once."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from distributed import LocalCluster
from sqlalchemy import select

from modelhub.db import transaction
from modelhub.hub import Hub
from modelhub.jobs import service
from modelhub.jobs.models import Job, JobStatus
from tests.functional.jobs import kinds
from tests.functional.jobs.conftest import new_dispatcher
from tests.waiting import eventually

ROOT = Path(__file__).resolve().parents[3]


def enqueue_gates(hub: Hub, numbers: list[int]) -> None:
    with transaction(hub.sessions) as db:
        for n in numbers:
            service.enqueue(db, kind="test-gate", payload={"n": n})


def jobs(hub: Hub) -> list[Job]:
    with hub.sessions() as db:
        return list(db.scalars(select(Job).order_by(Job.id)))


def runs_started(scratch: Path, numbers: list[int]) -> int:
    return sum(kinds.runs_of(scratch, n) for n in numbers)


def finish_all(hub: Hub, cluster: LocalCluster) -> None:
    restarted = new_dispatcher(hub, cluster)
    restarted.start()
    try:
        restarted.drain(timeout=30)
    finally:
        restarted.stop()


def test_a_clean_stop_gives_running_jobs_back(
    hub: Hub, cluster: LocalCluster, scratch: Path
) -> None:
    numbers = [30, 31, 32]  # one more than the cluster has workers
    first = new_dispatcher(hub, cluster)
    first.start()
    try:
        enqueue_gates(hub, numbers)
        eventually(lambda: runs_started(scratch, numbers) == 2, what="2 gated runs started")
    finally:
        first.stop()
    assert {(j.status, j.attempts, j.lease_owner) for j in jobs(hub)} == {
        (JobStatus.queued, 0, None)
    }

    (scratch / "open").touch()
    finish_all(hub, cluster)

    assert {(j.status, j.attempts) for j in jobs(hub)} == {(JobStatus.succeeded, 1)}
    assert kinds.CALLS.applied == dict.fromkeys(numbers, 1)
    with hub.sessions() as db:
        assert kinds.stored(db) == {n: str(n * n) for n in numbers}


def test_the_jobs_of_a_killed_hub_are_handed_out_again(
    hub: Hub, cluster: LocalCluster, scratch: Path
) -> None:
    numbers = [40, 41]
    enqueue_gates(hub, numbers)
    args = [hub.settings.resolved_database_url, cluster.scheduler_address, str(scratch)]
    crashing = subprocess.Popen(
        [sys.executable, "-m", "tests.functional.jobs.crashing_hub", *args],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert crashing.stdout is not None
        owner = crashing.stdout.readline().strip()
        eventually(lambda: runs_started(scratch, numbers) == 2, what="2 gated runs started")
    finally:
        crashing.kill()  # no clean stop: its jobs stay running under its lease
        crashing.wait()
        if crashing.stdout is not None:
            crashing.stdout.close()
    assert {(j.status, j.lease_owner) for j in jobs(hub)} == {(JobStatus.running, owner)}

    (scratch / "open").touch()
    finish_all(hub, cluster)  # its start sees that the holder's process is gone

    # the killed hub's attempt counts: a job that keeps killing its hub ends too
    assert {(j.status, j.attempts) for j in jobs(hub)} == {(JobStatus.succeeded, 2)}
    assert kinds.CALLS.applied == dict.fromkeys(numbers, 1)
    with hub.sessions() as db:
        assert kinds.stored(db) == {n: str(n * n) for n in numbers}
