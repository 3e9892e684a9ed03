"""The usage pages on real counts: the hub statistics page and a model page's Downloads
section (HTML with their charts, and the JSON twins), after downloads and consumer reports."""

from __future__ import annotations

import json
from datetime import timedelta
from pathlib import Path

import httpx
import pytest

from modelhub.config import Settings
from modelhub.db import utcnow
from modelhub.maintenance.usage import fold_now
from tests.conftest import LiveServer, hub_settings
from tests.functional.analytics.common import publish

PERSON = {"user-agent": "Mozilla/5.0 (X11; Linux x86_64)"}
CRAWLER = {"user-agent": "Googlebot/2.1 (+http://www.google.com/bot.html)"}


@pytest.fixture
def settings(migrated_template: str, tmp_path: Path) -> Settings:
    s = hub_settings(migrated_template, tmp_path)
    s.usage_fold_interval_s = 0  # the test folds
    return s


def test_statistics_page_and_model_page_show_the_counts(
    server: LiveServer, http: httpx.Client
) -> None:
    publish(server.hub, "counted-shark")
    assert http.get("/artifacts/counted-shark/v1/files/weights.bin", headers=PERSON).is_success
    assert http.get("/artifacts/counted-shark/v2/files/weights.bin", headers=CRAWLER).is_success
    uadata = json.dumps({"brands": [{"brand": "ilastik", "version": "1.4.1"}]})
    tracked = http.get(
        "/matomo.php",
        params={"download": "counted-shark", "idsite": "1", "rec": "1", "uadata": uadata},
        headers={"user-agent": "ilastik/1.4.1"},
    )
    assert tracked.is_success, tracked.text
    fold_now(server.hub, now=utcnow() + timedelta(minutes=1))

    twin = http.get("/stats", params={"format": "json"}).json()
    assert (twin["people"], twin["bots"], twin["resources"]) == (2, 1, 1)
    assert [r["id"] for r in twin["top_resources"]] == ["counted-shark"]
    assert {c["label"] for c in twin["per_consumer"]} >= {"ilastik"}
    page = http.get("/stats")
    assert page.status_code == 200 and "<svg" in page.text and "<script" not in page.text

    card = http.get("/resources/counted-shark", params={"format": "json"}).json()
    usage = card["usage"]
    assert (usage["people"], usage["bots"]) == (2, 1)
    assert {v["label"] for v in usage["per_version"]} == {"v1", "v2"}
    html = http.get("/resources/counted-shark").text
    assert "Downloads" in html and "<svg" in html


def test_top_live_and_partner_statistics(server: LiveServer, http: httpx.Client) -> None:
    hub = server.hub
    publish(hub, "lab-model")
    publish(hub, "other-model", versions=1)
    assert http.get("/artifacts/lab-model/v1/files/weights.bin", headers=PERSON).is_success
    assert http.get("/artifacts/lab-model/v2/files/weights.bin", headers=CRAWLER).is_success
    assert http.get("/artifacts/other-model/v1/files/weights.bin", headers=PERSON).is_success
    fold_now(hub, now=utcnow() + timedelta(minutes=1))
    live = http.get("/api/v1/usage/live", params={"minutes": 30}).json()
    assert live["actions"] == 3 and live["visitors"] == 2
    top = http.get("/api/v1/usage/top").json()
    # one person's download each (the crawler is counted with the bots): the tie goes by id
    assert [(t["resource_id"], t["downloads"]) for t in top] == [
        ("lab-model", 1),
        ("other-model", 1),
    ]
    assert http.get("/api/v1/usage/partners/nope").status_code == 404
