"""``modelhub stats ID --json`` as a real subprocess on the server's database."""

from __future__ import annotations

import json
from datetime import timedelta

import httpx
import pytest
from sqlalchemy import select

from modelhub.analytics.models import UsageEvent
from modelhub.db import transaction
from modelhub.events.types import Downloaded
from tests.conftest import LiveServer
from tests.functional.analytics.common import publish
from tests.functional.cli.common import run_cli

pytestmark = [pytest.mark.slow, pytest.mark.once]


def test_stats_of_a_resource(server: LiveServer, http: httpx.Client) -> None:
    publish(server.hub, "affable-shark")
    url = "/artifacts/affable-shark/v1/files/weights.bin"
    assert http.get(url, headers={"user-agent": "ilastik/1.4.1"}).status_code == 200
    assert http.get(url, headers={"user-agent": "github-actions CI runner"}).status_code == 200
    server.hub.events.deliver_pending(Downloaded)  # as the hub's next fold would
    with transaction(server.hub.sessions) as db:  # settled: older than the fold's margin
        for event in db.scalars(select(UsageEvent)):
            event.at -= timedelta(minutes=1)
    shown = run_cli(server, "stats", "affable-shark", "--json")
    assert shown.returncode == 0, shown.stderr
    data = json.loads(shown.stdout)
    assert data["totals"] == {"people": 1, "bots": 1}
    assert data["per_version"] == [{"version": 1, "downloads": {"people": 1, "bots": 1}}]
    consumers = {
        (c["consumer"], c["consumer_version"]): c["downloads"] for c in data["per_consumer"]
    }
    assert consumers[("ilastik", "1.4.1")] == {"people": 1, "bots": 0}
    missing = run_cli(server, "stats", "no-such-model", "--json")
    assert missing.returncode != 0
