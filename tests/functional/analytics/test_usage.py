"""Usage analytics over real HTTP: downloads the hub serves, reports in matomo's tracking
shape (GET, POST, bulk) resolved by DOI, URL and id, the fold with a clock moved by hand,
matomo's reports, REST, the search index's download counts, expiry and rate limits."""

from __future__ import annotations

import json
from datetime import timedelta
from pathlib import Path

import httpx
import pytest
from sqlalchemy import func, select

from modelhub.analytics import stats
from modelhub.analytics.fold import fold
from modelhub.analytics.models import UsageEvent
from modelhub.config import Settings
from modelhub.db import transaction, utcnow
from modelhub.events.types import Downloaded
from modelhub.hub import Hub
from modelhub.maintenance.usage import fold_now
from tests.conftest import LiveServer, hub_settings
from tests.functional.analytics.common import CONCEPT, V2_DOI, publish

UADATA = json.dumps({"brands": [{"brand": "ilastik", "version": "1.4.1"}]})
PERSON = {"user-agent": "Mozilla/5.0 (X11; Linux x86_64)"}
CRAWLER = {"user-agent": "Googlebot/2.1 (+http://www.google.com/bot.html)"}


@pytest.fixture
def settings(migrated_template: str, tmp_path: Path) -> Settings:
    s = hub_settings(migrated_template, tmp_path)
    s.usage_fold_interval_s = 0  # the tests fold, with a clock they move
    s.usage_reports_per_minute = 50
    return s


def _fold(hub: Hub, minutes: float = 1) -> int:
    return fold_now(hub, now=utcnow() + timedelta(minutes=minutes)).events


def _events(hub: Hub) -> int:
    """The raw usage events, once the downloads recorded so far were handed over (the bus
    leaves ``Downloaded`` events to the fold's batch)."""
    hub.events.deliver_pending(Downloaded)
    with hub.sessions() as db:
        return int(db.scalar(select(func.count(UsageEvent.id))) or 0)


def _track(download: str, **extra: str) -> dict[str, str]:
    """The seeds' tracking URL's parameters, unchanged but for the host."""
    return {
        "download": download,
        "idsite": "1",
        "rec": "1",
        "r": "646242",
        "h": "13",
        "m": "35",
        "s": "20",
        "url": f"http://modelhub.example/#/?id={download}",
        "uadata": UADATA,
        **extra,
    }


def test_downloads_the_hub_serves_are_counted(server: LiveServer, http: httpx.Client) -> None:
    hub = server.hub
    publish(hub, "affable-shark")
    url = "/artifacts/affable-shark/v1/files/weights.bin"
    first = http.get(url, headers=PERSON)
    assert first.status_code == 200
    assert http.head(url, headers=PERSON).status_code == 200
    assert http.get(url, headers=PERSON | {"range": "bytes=10-"}).status_code == 206
    etag = first.headers["etag"]
    assert http.get(url, headers=PERSON | {"if-none-match": etag}).status_code == 304
    assert _events(hub) == 1  # HEAD, a continued range and a 304 are not downloads
    assert http.get(url, headers=PERSON).status_code == 200  # a repeat within 30 minutes
    assert http.get("/artifacts/affable-shark/package.zip", headers=PERSON).status_code == 200
    assert http.get(url, headers=CRAWLER).status_code == 200
    assert _events(hub) == 4
    assert _fold(hub) == 4
    with hub.sessions() as db:
        usage = stats.resource_usage(db, "affable-shark")
    assert usage.totals.model_dump() == {"people": 2, "bots": 1}
    assert [(v.version, v.downloads.people, v.downloads.bots) for v in usage.per_version] == [
        (1, 1, 1),
        (2, 1, 0),
    ]
    assert {(c.consumer, c.downloads.people, c.downloads.bots) for c in usage.per_consumer} == {
        ("mozilla", 2, 0),
        ("googlebot", 0, 1),
    }
    # the catalog's cards and its sort by downloads follow the fold
    cards = http.get("/api/v1/resources", params={"sort": "downloads"}).json()
    assert [(c["id"], c["downloads"]) for c in cards["items"]] == [("affable-shark", 2)]


def test_reports_in_the_seeds_shape(server: LiveServer, http: httpx.Client) -> None:
    hub = server.hub
    publish(hub, "affable-shark")
    ok = http.get("/matomo.php", params=_track(f"https://doi.org/{CONCEPT}"))
    assert (ok.status_code, ok.headers["content-type"]) == (200, "image/gif")
    by_form = http.post("/matomo.php", data=_track(V2_DOI, _id="0123456789abcdef"))
    assert by_form.status_code == 200
    bulk = http.post(
        "/matomo.php",
        json={
            "requests": [
                "?" + str(httpx.QueryParams(_track("affable-shark/v1"))),
                "?"
                + str(
                    httpx.QueryParams(
                        _track(f"{server.url}/artifacts/affable-shark/v2/package.zip")
                    )
                ),
                "?" + str(httpx.QueryParams(_track("no-such-thing"))),
            ]
        },
    )
    assert bulk.json() == {"status": "success", "tracked": 2, "invalid": 1, "invalid_indices": [2]}
    unknown = http.get("/matomo.php", params=_track("https://doi.org/10.5281/zenodo.1"))
    assert unknown.status_code == 400
    assert unknown.json()["error"]["code"] == "usage_unknown_resource"
    assert unknown.json()["error"]["details"][0]["loc"] == ["download"]
    pageview = http.get("/matomo.php", params={"idsite": "1", "rec": "1"})
    assert pageview.json()["error"]["code"] == "usage_download_missing"
    clean = http.post(
        "/api/v1/usage/downloads",
        json={
            "resource_id": "affable-shark",
            "version": 1,
            "consumer": "deepImageJ",
            "consumer_version": "3.0",
        },
    )
    assert clean.status_code == 201, clean.text
    assert _events(hub) == 5
    with hub.sessions() as db:
        rows = db.execute(
            select(
                UsageEvent.version_number, UsageEvent.consumer, UsageEvent.consumer_version
            ).order_by(UsageEvent.id)
        ).all()
    assert [tuple(r) for r in rows] == [
        (2, "ilastik", "1.4.1"),
        (2, "ilastik", "1.4.1"),
        (1, "ilastik", "1.4.1"),
        (2, "ilastik", "1.4.1"),
        (1, "deepimagej", "3.0"),
    ]
    _fold(hub)
    day = utcnow().date().isoformat()
    base = {"module": "API", "idSite": "1", "format": "JSON", "token_auth": "anonymous"}
    one = http.get(
        "/",
        params=base
        | {
            "method": "Actions.getDownload",
            "period": "year",
            "date": day,
            "downloadUrl": f"https://doi.org/{CONCEPT}",
        },
    )
    assert one.status_code == 200, one.text
    # the concept DOI: every version; the form's _id is another visitor than the address
    assert [(r["nb_visits"], r["nb_hits"]) for r in one.json()] == [(3, 5)]
    v2 = http.get(
        "/index.php",
        params=base
        | {
            "method": "Actions.getDownload",
            "period": "day",
            "date": "today",
            "downloadUrl": f"https://doi.org/{V2_DOI}",
        },
    )
    assert [(r["nb_visits"], r["nb_hits"]) for r in v2.json()] == [(2, 3)]
    every = http.get(
        "/", params=base | {"method": "Actions.getDownloads", "period": "day", "date": "last2"}
    ).json()
    assert list(every) == [(utcnow().date() - timedelta(days=1)).isoformat(), day]
    assert [(r["label"], r["nb_hits"]) for r in every[day]] == [("doi.org", 5)]
    assert every[day][0]["subtable"][0]["url"] == f"https://doi.org/{CONCEPT}"
    live = http.get("/", params=base | {"method": "Live.getCounters", "lastMinutes": "30"})
    assert live.json() == [{"visits": 2, "actions": 5, "visitors": 2, "visitsConverted": 0}]
    wrong = http.get("/", params=base | {"method": "Actions.getPageUrls"})
    assert wrong.status_code == 400 and wrong.json()["result"] == "error"
    catalog = http.get("/", params={"q": "shark"})  # the catalog keeps `/` for the rest
    assert catalog.status_code == 200 and "text/html" in catalog.headers["content-type"]
    usage = http.get("/api/v1/usage/resources/affable-shark").json()
    assert usage["totals"] == {"people": 3, "bots": 0}


def test_repeats_within_30_minutes_and_expiry(server: LiveServer, http: httpx.Client) -> None:
    hub = server.hub
    publish(hub, "affable-shark")
    for _ in range(2):
        assert http.get("/matomo.php", params=_track("affable-shark")).status_code == 200
    _fold(hub)
    # the same visitor, 40 minutes later: a new download (the fold reads the events' times)
    with transaction(hub.sessions) as db:
        for event in db.scalars(select(UsageEvent)):
            event.at -= timedelta(minutes=40)
    assert http.get("/matomo.php", params=_track("affable-shark")).status_code == 200
    _fold(hub)
    with hub.sessions() as db:
        assert stats.resource_usage(db, "affable-shark").totals.people == 2
    with transaction(hub.sessions) as db:
        expired = fold(db, now=utcnow() + timedelta(days=91)).expired
    assert (expired, _events(hub)) == (3, 0)
    with hub.sessions() as db:  # the rollups stay
        assert stats.resource_usage(db, "affable-shark").totals.people == 2


def test_reports_are_rate_limited_per_address(server: LiveServer, http: httpx.Client) -> None:
    publish(server.hub, "affable-shark")
    bulk = {"requests": ["?" + str(httpx.QueryParams(_track("affable-shark")))] * 50}
    assert http.post("/matomo.php", json=bulk).json()["tracked"] == 50
    refused = http.get("/matomo.php", params=_track("affable-shark"))
    assert refused.status_code == 429
    assert refused.json()["error"]["code"] == "usage_rate_limited"
    assert int(refused.headers["retry-after"]) >= 1
    assert _events(server.hub) == 50
