"""Syncing a 1,000-entry partner collection (in-process, SQLite; PostgreSQL too with
``MODELHUB_BENCH_DATABASE_URL`` or the first argument — its public schema is replaced!).

A partner's server on a loopback port serves a collection of 1,000 inline dataset entries, each
naming one documentation file beside the collection, and counts the requests it answers. Three
syncs run as the ``partner_sync`` job does (prepare, the worker's fetch and validation, apply):
the first (every entry fetched, validated, stored, published), the same collection again
(unchanged: one conditional request) and one with 10 entries changed. Meanwhile a thread runs
catalog searches against a catalog of ``--catalog`` resources (the corpus of ``search.py``), so
that their latency during the syncs can be compared with the one before.

Targets: an unchanged collection costs 1 request; 10 changed entries cost 1 + 10 requests and
far less time than the first sync; catalog search p95 stays within its target (≤ 20 ms) during
the syncs."""

from __future__ import annotations

import argparse
import json
import os
import tempfile
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

from modelhub.app import build_hub
from modelhub.config import Settings
from modelhub.db import transaction, upgrade_database
from modelhub.hub import Hub
from modelhub.partner_sync.inline import run_here
from modelhub.partner_sync.service import request_sync
from modelhub.partners import registry, service
from modelhub.partners.schemas import ApplicationCreate
from modelhub.search import memory
from modelhub.search import service as search
from modelhub.search.schemas import SearchQuery
from modelhub.wiring import sync_settings
from search import _fresh_postgres, _percentiles, load, make_listings

ENTRIES = 1000
CHANGED = 10


class Served:
    """The partner's server: path → body, ETags, and a count of the requests answered."""

    def __init__(self) -> None:
        self.bodies: dict[str, bytes] = {}
        self.requests = 0
        self.lock = threading.Lock()


def _handler(served: Served) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            with served.lock:
                served.requests += 1
            body = served.bodies.get(self.path)
            if body is None:
                self.send_error(404)
                return
            tag = f'"{hash(body) & 0xFFFFFFFF:x}"'
            if self.headers.get("If-None-Match") == tag:
                self.send_response(304)
                self.end_headers()
                return
            self.send_response(200)
            self.send_header("ETag", tag)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, format: str, *args: object) -> None:
            pass

    return Handler


@contextmanager
def partner_server(served: Served) -> Iterator[str]:
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), _handler(served))
    httpd.daemon_threads = True
    thread = threading.Thread(target=httpd.serve_forever, args=(0.05,), daemon=True)
    thread.start()
    try:
        yield f"127.0.0.1:{httpd.server_address[1]}"
    finally:
        httpd.shutdown()
        httpd.server_close()


def entry(i: int, revision: int = 0) -> dict[str, Any]:
    note = f" Revised {revision}." if revision else ""
    return {
        "format_version": "0.3.0",
        "type": "dataset",
        "id": f"set-{i:04d}",
        "name": f"Partner dataset {i}",
        "description": f"Images number {i} of the partner's screen.{note}",
        "license": "CC0-1.0",
        "authors": [{"name": "Ada Lovelace"}],
        "cite": [{"text": "Data", "doi": "10.5281/zenodo.1234567"}],
        "tags": ["partner-bench", f"plate-{i % 20}"],
        "documentation": f"docs/set-{i:04d}.md",
    }


def publish_collection(served: Served, revisions: dict[int, int]) -> None:
    items = [entry(i, revisions.get(i, 0)) for i in range(ENTRIES)]
    served.bodies["/partner/collection.yaml"] = json.dumps({"collection": items}).encode()
    for i in range(ENTRIES):
        served.bodies[f"/partner/docs/set-{i:04d}.md"] = f"# Dataset {i}\n".encode()


class Searcher:
    """Catalog searches in a loop on a thread of their own, each one timed (ms)."""

    def __init__(self, hub: Hub) -> None:
        self.hub = hub
        self.samples: list[float] = []
        self.stop = threading.Event()
        self.thread = threading.Thread(target=self._loop, daemon=True)

    def _loop(self) -> None:
        queries = [SearchQuery(q="segmentation"), SearchQuery(), SearchQuery(tags=["fluorescence"])]
        n = 0
        while not self.stop.is_set():
            with self.hub.sessions() as db:
                started = time.perf_counter()
                search.search(db, query=queries[n % len(queries)])
                self.samples.append((time.perf_counter() - started) * 1000)
            n += 1
            time.sleep(0.005)

    def __enter__(self) -> Searcher:
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop.set()
        self.thread.join()


def timed_sync(hub: Hub, served: Served) -> tuple[float, int, dict[str, Any] | None]:
    before = served.requests
    started = time.perf_counter()
    with transaction(hub.sessions) as db:
        job_id = request_sync(db, partner=registry.get_partner(db, partner_id="bench")).id
    run_here(hub, job_id=job_id, settings=sync_settings(hub.settings))
    seconds = time.perf_counter() - started
    with transaction(hub.sessions) as db:
        report = registry.get_partner(db, partner_id="bench").last_sync_report
    return seconds, served.requests - before, report


def measure(url: str, data_dir: Path, catalog: int, label: str) -> None:
    upgrade_database(url)
    load(url, make_listings(catalog))
    served = Served()
    publish_collection(served, {})
    with partner_server(served) as host:
        hub = build_hub(Settings(data_dir=data_dir, database_url=url, fetch_allow_hosts=host))
        with transaction(hub.sessions) as db:
            application = service.apply(
                db,
                applicant=None,
                data=ApplicationCreate(
                    name="Bench partner", description="A partner.", resources="Datasets.",
                    collection_url=f"http://{host}/partner/collection.yaml",
                    maintenance_plan="None.", proposed_id="bench",
                ),
            )  # fmt: skip
            service.approve(db, application_id=application.id, actor=None, partner_id="bench")
        with hub.sessions() as db:
            memory.ensure_fresh(db, timeout=600)  # searches answer from the copy in memory
        with Searcher(hub) as before:
            time.sleep(3)
        base50, base95 = _percentiles(before.samples)
        print(
            f"\n{label}: catalog search before the syncs p50 {base50:.1f} ms, p95 {base95:.1f} ms"
        )
        print(f"{'sync':<22} {'seconds':>8} {'requests':>9}  {'search p50':>10} {'p95':>6}  report")
        revisions = {i: 1 for i in range(0, ENTRIES, ENTRIES // CHANGED)}
        for name, change in (("first (1,000 new)", None), ("unchanged", None),
                             (f"{CHANGED} changed", revisions)):  # fmt: skip
            if change:
                publish_collection(served, change)
            with Searcher(hub) as during:
                seconds, requests, report = timed_sync(hub, served)
            p50, p95 = _percentiles(during.samples or [0.0])
            print(f"{name:<22} {seconds:>8.2f} {requests:>9}  {p50:>10.1f} {p95:>6.1f}  {report}")
        hub.engine.dispose()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("pg_url", nargs="?", default=os.environ.get("MODELHUB_BENCH_DATABASE_URL"))
    parser.add_argument("--catalog", type=int, default=10_000)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="modelhub-bench-sync-") as tmp:
        targets = [("SQLite", f"sqlite:///{tmp}/hub.sqlite3")]
        if args.pg_url:
            targets.append(("PostgreSQL", args.pg_url))
        for engine_name, url in targets:
            if url.startswith("postgresql"):
                _fresh_postgres(url)
            data = Path(tmp) / f"data-{engine_name}"
            data.mkdir()
            measure(url, data, args.catalog, f"{engine_name}, catalog of {args.catalog:,}")
    print("\ntargets: unchanged = 1 request; 10 changed = 11 requests; search p95 ≤ 20 ms")


if __name__ == "__main__":
    main()
