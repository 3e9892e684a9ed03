"""What keeping collection.json and index.json costs as the catalog grows (in-process, SQLite;
PostgreSQL too with ``MODELHUB_BENCH_DATABASE_URL`` or the first argument — its public schema
is replaced!).

One publication's export update: the two reactions a publication brings (``VersionPublished``
rewrites the resource's row and bumps the generation, ``ListingChanged`` finds nothing new),
each in its own transaction, as the event bus runs them. Target: at 10,000 resources at most
1.5 times its cost at 1,000 (nothing is proportional to the catalog). Serving: a whole
collection.json / index.json (joined from the stored rows) and a 304 to a matching
``If-None-Match``, through the ASGI app. The corpus is the one of ``search.py``."""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

from fastapi.testclient import TestClient
from sqlalchemy import create_engine, text

from modelhub.app import build_hub, create_app
from modelhub.config import Settings
from modelhub.db import transaction, upgrade_database
from modelhub.exports import service
from modelhub.exports.urls import export_urls
from modelhub.hub import Hub
from search import _fresh_postgres, load, make_listings
from search_during_publications import Publisher

ROUNDS = 110


def update_cost(hub: Hub) -> float:
    """Median seconds of one publication's export update (after warming up)."""
    hub.events.close()  # the reactions are timed here, not run after each commit
    publisher = Publisher(hub, "bench")
    urls = export_urls(hub.settings)
    samples = []
    for _ in range(ROUNDS):
        publisher.publish()
        rid = publisher.published[-1]
        started = time.perf_counter()
        for _event in ("published", "listing"):
            with transaction(hub.sessions) as db:
                service.refresh(db, resource_id=rid, urls=urls)
        samples.append(time.perf_counter() - started)
    return statistics.median(samples[10:])


def serve_cost(hub: Hub, path: str) -> tuple[float, float, int]:
    """Median seconds of a whole answer and of a 304, and the document's size."""
    client = TestClient(create_app(hub=hub))
    first = client.get(path)
    etag = first.headers["etag"]
    whole, cached = [], []
    for _ in range(15):
        started = time.perf_counter()
        if client.get(path).status_code != 200:
            raise RuntimeError(f"{path} did not answer")
        whole.append(time.perf_counter() - started)
        started = time.perf_counter()
        if client.get(path, headers={"if-none-match": etag}).status_code != 304:
            raise RuntimeError(f"{path} did not answer 304")
        cached.append(time.perf_counter() - started)
    return statistics.median(whole), statistics.median(cached), len(first.content)


def _move_sequences(url: str) -> None:
    """The corpus was written with its ids: PostgreSQL's sequences must move past them."""
    engine = create_engine(url)
    with engine.begin() as conn:
        conn.execute(
            text(
                "SELECT setval(pg_get_serial_sequence('users', 'id'), (SELECT max(id) FROM users))"
            )
        )
        conn.execute(
            text(
                "SELECT setval(pg_get_serial_sequence('resource_versions', 'id'), "
                "(SELECT max(id) FROM resource_versions))"
            )
        )
    engine.dispose()


def state_query_cost(hub: Hub) -> float:
    """Median seconds of the one query a matching If-None-Match costs."""
    samples = []
    with hub.sessions() as db:
        for _ in range(50):
            started = time.perf_counter()
            service.state_now(db)
            samples.append(time.perf_counter() - started)
    return statistics.median(samples)


def run(url: str, size: int, data_dir: Path) -> float:
    started = time.perf_counter()
    upgrade_database(url)
    load(url, make_listings(size))
    if url.startswith("postgresql"):
        _move_sequences(url)
    print(f"\n== {size:,} resources (loaded in {time.perf_counter() - started:.0f} s)")
    settings = Settings(data_dir=data_dir, database_url=url, search_memory=False)
    hub = build_hub(settings)
    try:
        started = time.perf_counter()
        count = service.rebuild_if_needed(hub.sessions, urls=export_urls(settings))
        print(f"rebuild from empty: {count:,} rows in {time.perf_counter() - started:.2f} s")
        for path in ("/collection.json", "/index.json"):
            whole, cached, length = serve_cost(hub, path)
            print(f"{path}: {whole * 1000:.1f} ms whole ({length / 1e6:.1f} MB), "
                  f"{cached * 1000:.2f} ms for a 304")  # fmt: skip
        print(f"the state query of a 304: {state_query_cost(hub) * 1000:.2f} ms "
              "(the answers above include the ASGI test client's own time)")  # fmt: skip
        cost = update_cost(hub)
        print(f"one publication's export update: {cost * 1000:.2f} ms (median of {ROUNDS - 10})")
        return cost
    finally:
        hub.engine.dispose()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("pg_url", nargs="?", default=os.environ.get("MODELHUB_BENCH_DATABASE_URL"))
    parser.add_argument("--sizes", default="1000,10000")
    args = parser.parse_args()
    sizes = [int(s) for s in args.sizes.split(",")]
    for engine_name in ("SQLite", "PostgreSQL") if args.pg_url else ("SQLite",):
        print(f"\n#### {engine_name}")
        costs = []
        for size in sizes:
            with tempfile.TemporaryDirectory(prefix="modelhub-bench-exports-") as tmp:
                url = args.pg_url if engine_name == "PostgreSQL" else f"sqlite:///{tmp}/hub.sqlite3"
                if engine_name == "PostgreSQL":
                    _fresh_postgres(url)
                costs.append(run(url, size, Path(tmp) / "data"))
        if len(costs) > 1:
            ratio = costs[-1] / costs[0]
            verdict = "met" if ratio <= 1.5 else "NOT met"
            print(f"\n{engine_name}: one export update at {sizes[-1]:,} / at {sizes[0]:,}: "
                  f"{ratio:.2f}× (target ≤ 1.5×: {verdict})")  # fmt: skip


if __name__ == "__main__":
    sys.path.insert(0, str(Path(__file__).parent))
    main()
