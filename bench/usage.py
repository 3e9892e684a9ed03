"""Usage analytics at size: N download reports (default 1,000,000) through `/matomo.php` in
bulk requests from a few client threads against `modelhub serve`; the fold of all of them;
statistics latency (REST and matomo reports, p50/p95); and download throughput of a small file
with counting on and off. Targets: ≥ 5,000 reports/s on 2 cores, p95 ≤ 50 ms, downloads unchanged.

    python bench/usage.py [N]"""

from __future__ import annotations

import os
import random
import statistics
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta
from urllib.parse import urlencode

import httpx

from common import running_hub
from modelhub.analytics.fold import fold
from modelhub.config import Settings
from modelhub.db import make_engine, make_session_factory, transaction, utcnow

BULK = 1000
THREADS = 4
QUERIES = 200
DOWNLOADS = 400
ENV = {"MODELHUB_USAGE_REPORTS_PER_MINUTE": "0", "MODELHUB_USAGE_FOLD_INTERVAL_S": "0"}
CONSUMERS = [("ilastik", "1.4.1"), ("deepimagej", "3.0.4"), ("bioimageio.core", "0.6.9")]


def _bulk(ids: list[str], rng: random.Random) -> dict[str, list[str]]:
    requests = []
    for _ in range(BULK):
        brand, version = rng.choice(CONSUMERS)
        params = {
            "download": rng.choice(ids),
            "idsite": "1",
            "rec": "1",
            "_id": f"{rng.getrandbits(64):016x}",
            "uadata": f'{{"brands":[{{"brand":"{brand}","version":"{version}"}}]}}',
        }
        requests.append("?" + urlencode(params))
    return {"requests": requests}


def ingest(url: str, ids: list[str], total: int) -> float:
    batches = max(1, total // BULK)

    def send(seed: int) -> int:
        rng = random.Random(seed)
        with httpx.Client(base_url=url, timeout=120) as client:
            sent = 0
            for _ in range(seed, batches, THREADS):
                r = client.post("/matomo.php", json=_bulk(ids, rng))
                r.raise_for_status()
                sent += r.json()["tracked"]
            return sent

    start = time.perf_counter()
    with ThreadPoolExecutor(THREADS) as pool:
        tracked = sum(pool.map(send, range(THREADS)))
    elapsed = time.perf_counter() - start
    print(f"ingest: {tracked} reports in {elapsed:.1f} s: {tracked / elapsed:,.0f} reports/s")
    return tracked / elapsed


def latency(client: httpx.Client, paths: list[str]) -> tuple[float, float]:
    times = []
    for i in range(QUERIES):
        start = time.perf_counter()
        client.get(paths[i % len(paths)]).raise_for_status()
        times.append((time.perf_counter() - start) * 1000)
    times.sort()
    return statistics.median(times), times[int(len(times) * 0.95) - 1]


def downloads_per_s(url: str, path: str) -> float:
    with httpx.Client(base_url=url, timeout=60) as client:
        client.get(path).raise_for_status()
        start = time.perf_counter()
        for _ in range(DOWNLOADS):
            client.get(path).raise_for_status()
        return DOWNLOADS / (time.perf_counter() - start)


def main(total: int) -> None:
    with running_hub(demo=True, env=ENV) as hub:
        with hub.client() as client:
            ids = [c["id"] for c in client.get("/api/v1/resources").json()["items"]]
            ingest(hub.url, ids, total)
            settings = Settings(data_dir=hub.data_dir)
            engine = make_engine(settings.resolved_database_url)
            start = time.perf_counter()
            with transaction(make_session_factory(engine)) as db:
                folded = fold(db, now=utcnow() + timedelta(minutes=1))
            print(f"fold: {folded.events} events in {time.perf_counter() - start:.1f} s")
            engine.dispose()
            day = utcnow().date().isoformat()
            rest = [f"/api/v1/usage/resources/{i}" for i in ids]
            matomo = [
                f"/?module=API&method=Actions.getDownload&idSite=1&period=year&date={day}"
                f"&format=JSON&downloadUrl={i}"
                for i in ids
            ] + [
                f"/?module=API&method=Actions.getDownloads&idSite=1&period=month&date={day}&format=JSON"
            ]
            for name, paths in (("REST resource", rest), ("matomo reports", matomo)):
                p50, p95 = latency(client, paths)
                print(f"{name}: p50 {p50:.1f} ms, p95 {p95:.1f} ms ({QUERIES} queries)")
            small = f"/artifacts/{ids[0]}/files/rdf.yaml"
        on = downloads_per_s(hub.url, small)
    with running_hub(demo=True, env={**ENV, "MODELHUB_USAGE_COUNTING": "false"}) as hub:
        with hub.client() as client:
            ids = [c["id"] for c in client.get("/api/v1/resources").json()["items"]]
        off = downloads_per_s(hub.url, f"/artifacts/{ids[0]}/files/rdf.yaml")
    print(f"small-file downloads: {on:.0f}/s counting, {off:.0f}/s not counting")


if __name__ == "__main__":
    os.environ.setdefault("PYTHONWARNINGS", "ignore")
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 1_000_000)
