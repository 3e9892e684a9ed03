"""A job's result that comes back while PostgreSQL is away (a server of the test's own,
stopped with ``-m immediate``) is kept and written once the server is back: the job ran once,
its result was applied once, and nobody had to wait for its lease to run out."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest
from distributed import LocalCluster
from sqlalchemy import select

from modelhub.config import Settings
from modelhub.db import transaction, upgrade_database
from modelhub.hub import Hub
from modelhub.jobs import service
from modelhub.jobs.models import Job, JobStatus
from tests.conftest import free_port
from tests.functional.jobs import kinds
from tests.functional.jobs.conftest import new_dispatcher
from tests.own_postgres import OwnPostgres, own_postgres, postgres_bin
from tests.waiting import eventually

pytestmark = [
    pytest.mark.skipif(
        not os.environ.get("MODELHUB_TEST_DATABASE_URL"),
        reason="stops a PostgreSQL server of its own: set MODELHUB_TEST_DATABASE_URL",
    ),
    pytest.mark.skipif(postgres_bin() is None, reason="no PostgreSQL binaries to start one"),
    pytest.mark.slow,
]


@pytest.fixture
def server() -> Iterator[OwnPostgres]:
    with own_postgres(free_port()) as pg:
        upgrade_database(pg.url)
        yield pg


@pytest.fixture
def settings(server: OwnPostgres, tmp_path: Path) -> Settings:
    data = tmp_path / "data"
    data.mkdir()
    return Settings(data_dir=data, database_url=server.url)


def test_a_result_waits_for_the_database(
    hub: Hub,
    cluster: LocalCluster,
    scratch: Path,
    server: OwnPostgres,
    caplog: pytest.LogCaptureFixture,
) -> None:
    dispatcher = new_dispatcher(hub, cluster)
    dispatcher.start()
    try:
        with transaction(hub.sessions) as db:
            service.enqueue(db, kind="test-gate", payload={"n": 40})
        eventually(lambda: kinds.runs_of(scratch, 40) == 1, what="the gated run started")
        server.stop("immediate")
        (scratch / "open").touch()  # the run ends while the database is away
        eventually(
            lambda: "waits for the database" in caplog.text,
            timeout=30,
            what="the dispatcher kept the result",
        )
        server.start()
        dispatcher.drain(timeout=20)  # well before the job's 60 s lease runs out
    finally:
        dispatcher.stop()
    with hub.sessions() as db:
        job = db.scalars(select(Job)).one()
        assert (job.status, job.attempts, job.error) == (JobStatus.succeeded, 1, None)
        assert kinds.stored(db) == {40: "1600"}
    assert kinds.runs_of(scratch, 40) == 1
    assert kinds.CALLS.applied[40] == 1
