"""A hub on a loopback port with its job dispatcher running on a real Dask cluster, webhook
retries shortened to fractions of a second, and a real receiver."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import httpx
import pytest
from distributed import LocalCluster

from modelhub.jobs.cluster import embedded_cluster
from modelhub.jobs.dispatcher import Dispatcher
from modelhub.wiring import register_job_kinds
from tests.conftest import LiveServer, auth
from tests.functional.webhooks.receiver import Receiver, running_receiver
from tests.waiting import eventually

DELAYS = (0.2, 0.4)
MAX_ATTEMPTS = 3


@pytest.fixture(scope="session")
def webhook_cluster() -> Iterator[LocalCluster]:
    """One worker process, started once for these tests."""
    local = embedded_cluster(1)
    yield local
    local.close()


@pytest.fixture
def hooked(server: LiveServer, webhook_cluster: LocalCluster) -> Iterator[LiveServer]:
    """The server, with webhooks to the loopback allowed and the dispatcher running."""
    settings = server.hub.settings
    settings.webhook_allow_private = True
    settings.webhook_retry_delays = ",".join(str(d) for d in DELAYS)
    settings.webhook_max_attempts = MAX_ATTEMPTS
    register_job_kinds(server.hub)  # again, bound to the settings above
    dispatcher = Dispatcher(
        server.hub.sessions,
        scheduler_address=webhook_cluster.scheduler_address,
        poll_seconds=0.1,
    )
    dispatcher.start()
    server.hub.jobs = dispatcher
    yield server
    dispatcher.stop()
    server.hub.jobs = None


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    with running_receiver() as running:
        yield running


def wait_for_delivery(
    http: httpx.Client,
    token: str,
    webhook_id: int,
    delivery_id: int,
    done: Callable[[dict[str, Any]], bool] = lambda d: d["status"] != "pending",
    timeout: float = 30,
) -> dict[str, Any]:
    """Poll the delivery log until ``done`` holds for the delivery; fail after ``timeout`` s."""
    seen: list[dict[str, Any]] = []

    def arrived() -> dict[str, Any] | None:
        r = http.get(f"/api/v1/webhooks/{webhook_id}/deliveries/{delivery_id}", headers=auth(token))
        assert r.status_code == 200, r.text
        seen.append(r.json())
        return seen[-1] if done(seen[-1]) else None

    return eventually(
        arrived, timeout=timeout, what=lambda: f"delivery {delivery_id} got there: {seen[-1]}"
    )
