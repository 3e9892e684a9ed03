"""A real Dask cluster for the job tests, shared by them (workers start once), and the
test-only table and scratch directory of ``kinds``."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from distributed import LocalCluster
from sqlalchemy import delete

from modelhub.db import transaction
from modelhub.hub import Hub
from modelhub.jobs.cluster import embedded_cluster
from modelhub.jobs.dispatcher import Dispatcher
from modelhub.wiring import job_kinds
from tests.functional.jobs import kinds


@pytest.fixture(scope="session")
def cluster() -> Iterator[LocalCluster]:
    """Two worker processes. Dispatchers connect by address, as to an external cluster."""
    local = embedded_cluster(2)
    yield local
    local.close()


@pytest.fixture(autouse=True)
def test_kinds(hub: Hub) -> None:
    """The test kinds, known to this test's hub (and so to its dispatchers)."""
    kinds.add_to(job_kinds(hub))


@pytest.fixture
def scratch(tmp_path: Path, hub: Hub) -> Path:
    """Where workers leave their traces; also empties the test-only table."""
    path = tmp_path / "scratch"
    path.mkdir()
    kinds.CALLS.reset(path)
    kinds.metadata.create_all(hub.engine)
    with transaction(hub.sessions) as db:
        db.execute(delete(kinds.effects))  # PostgreSQL keeps it between tests
    return path


def new_dispatcher(hub: Hub, cluster: LocalCluster, **options: Any) -> Dispatcher:
    """A dispatcher of ``hub`` on the shared cluster, polling often unless told otherwise."""
    return Dispatcher(
        hub.sessions,
        scheduler_address=cluster.scheduler_address,
        **({"poll_seconds": 0.2} | options),
    )


@pytest.fixture
def dispatcher(hub: Hub, cluster: LocalCluster, scratch: Path) -> Iterator[Dispatcher]:
    running = new_dispatcher(hub, cluster)
    running.start()
    yield running
    running.stop()
