"""Search latency while publications stream in, and what one publication costs as the catalog
grows (in-process, SQLite; PostgreSQL too with ``MODELHUB_BENCH_DATABASE_URL`` or the first
argument — its public schema is replaced!).

Targets: at 100,000 resources, search p95 ≤ 20 ms during a stream of 10 publications per
second; one publication at 100,000 resources costs at most 1.5 times its cost at 10,000 (the index
changes are applied to the copy in memory, never read whole).

One publication: a version row moved to published and ``publishing.finish_publication`` (the
served rdf.yaml rewritten into storage, documentation tokens, the listing, the search index,
the generation and its change-log row), committed; most are new resources, every fourth a new
version of one published before. Its cost is the transaction, and apart from it the time the
next search takes to apply it to the copy in memory. The corpus is the one of ``search.py``."""

from __future__ import annotations

import argparse
import itertools
import json
import os
import random
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from sqlalchemy import func, select

from modelhub.accounts.models import User
from modelhub.app import build_hub
from modelhub.catalog import publishing
from modelhub.catalog.models import (
    Resource,
    ResourceType,
    ResourceVersion,
    VersionFile,
    VersionStatus,
)
from modelhub.config import Settings
from modelhub.db import transaction, upgrade_database
from modelhub.hub import Hub
from modelhub.search import memory, service
from modelhub.search.schemas import SearchQuery
from modelhub.storage.service import BlobBatch
from search import QUERIES, _fresh_postgres, load, make_listings

RATE = 10  # publications per second during the stream
WORDS = ["segmentation", "nuclei", "membrane", "tracking", "denoising", "organoid", "zebrafish"]


class Publisher:
    """Publishes resources ``<prefix>-<n>`` (and new versions of them) through the services."""

    def __init__(self, hub: Hub, prefix: str) -> None:
        self.hub = hub
        self.prefix = prefix
        self.rng = random.Random(11)
        self.count = itertools.count()
        self.published: list[str] = []
        with hub.sessions() as db:
            self.user_id = int(db.scalar(select(func.min(Resource.created_by_id))) or 1)

    def publish(self) -> float:
        """One publication; returns its seconds."""
        n = next(self.count)
        again = n % 4 == 3 and self.published
        rid = self.rng.choice(self.published) if again else f"{self.prefix}-{n:06d}"
        words = self.rng.sample(WORDS, 3)
        rdf = (
            f"type: model\nname: {words[0]} {n}\nformat_version: 0.5.3\ndocumentation: README.md\n"
        )
        readme = f"# {' '.join(words)}\n\nPublished in the stream ({n}), tag-{n % 50}.\n".encode()
        started = time.perf_counter()
        with transaction(self.hub.sessions) as db:
            batch = BlobBatch(db, self.hub.storage)
            resource = db.get(Resource, rid)
            if resource is None:
                resource = Resource(id=rid, emoji="🧪", type=ResourceType.model, name=rid,
                                    description="", created_by_id=self.user_id)  # fmt: skip
                db.add(resource)
                db.flush()
            number = publishing.next_number(db, resource_id=rid)
            files = []
            for path, data in (("rdf.yaml", rdf.encode()), ("README.md", readme)):
                blob = batch.put_bytes(data)
                files.append(VersionFile(path=path, blob_sha256=blob.sha256, size=blob.size,
                                         media_type="text/plain"))  # fmt: skip
            version = ResourceVersion(
                resource_id=rid, revision=number, number=number, status=VersionStatus.published,
                format_version="0.5.3", name=f"{words[0].capitalize()} {n}",
                description=" ".join(words), license="MIT", tags=[*words[:2], f"tag-{n % 50}"],
                authors=[{"name": "Stream Publisher"}], rdf={"documentation": "README.md"},
                rdf_sha256="0" * 64, validation={}, uploader_id=self.user_id, files=files,
            )  # fmt: skip
            db.add(version)
            db.flush()
            publisher = db.get_one(User, self.user_id)
            publishing.finish_publication(
                db, self.hub.storage, version=version, publisher=publisher, batch=batch
            )
        if not again:
            self.published.append(rid)
        return time.perf_counter() - started


def _ms(samples: list[float]) -> tuple[float, float]:
    ordered = sorted(samples)
    p95 = ordered[min(len(ordered) - 1, int(0.95 * len(ordered)))]
    return statistics.median(ordered) * 1000, p95 * 1000


def publication_cost(hub: Hub, publisher: Publisher, rounds: int) -> tuple[float, float]:
    """Median seconds of one publication's transaction, and of applying it to memory."""
    copy = memory.attached(hub.engine)
    assert copy is not None
    publish, apply = [], []
    for _ in range(rounds):
        publish.append(publisher.publish())
        with hub.sessions() as db:
            started = time.perf_counter()
            snap = copy.current(db)
            apply.append(time.perf_counter() - started)
            assert snap is not None, "the copy in memory did not catch up"
    return statistics.median(publish[10:]), statistics.median(apply[10:])  # after warming up


def publish_stream(url: str, data_dir: str, seconds: float) -> None:
    """The publishing process: ``RATE`` publications per second for ``seconds``; prints
    "ready" first and the publications' seconds (JSON) last."""
    hub = build_hub(Settings(data_dir=Path(data_dir), database_url=url, search_memory=False))
    publisher = Publisher(hub, "stream")
    print("ready", flush=True)
    done = []
    start = time.perf_counter()
    for n in itertools.count():
        due = start + n / RATE
        if due >= start + seconds:
            break
        time.sleep(max(0.0, due - time.perf_counter()))
        done.append(publisher.publish())
    print(json.dumps(done), flush=True)
    hub.engine.dispose()


def stream(hub: Hub, url: str, data_dir: Path, seconds: float) -> None:
    """Searches in a loop while another process publishes ``RATE`` per second."""
    command = [sys.executable, __file__, "--publish-stream", url, str(data_dir), str(seconds)]
    child = subprocess.Popen(command, stdout=subprocess.PIPE, text=True)
    assert child.stdout is not None and child.stdout.readline().strip() == "ready"
    queries = itertools.cycle([SearchQuery(**params) for params in QUERIES.values()])
    samples: list[float] = []
    sources: dict[str, int] = {"memory": 0, "sql": 0}
    ends = time.perf_counter() + seconds
    while time.perf_counter() < ends:
        query = next(queries)
        with hub.sessions() as db:
            started = time.perf_counter()
            found = service.search(db, query=query)
            samples.append(time.perf_counter() - started)
        sources[found.source] += 1
        time.sleep(0.005)  # a client's think time: the catalog is not searched flat out
    done = json.loads(child.stdout.read() or "[]")
    child.wait()
    p50, p95 = _ms(samples)
    print(f"stream: {len(done)} publications in {seconds:.0f} s ({len(done) / seconds:.1f}/s), "
          f"publication median {statistics.median(done) * 1000:.1f} ms")  # fmt: skip
    print(f"search during the stream: {len(samples)} searches, p50 {p50:.1f} ms, p95 {p95:.1f} ms,"
          f" answered from memory {sources['memory']}, from SQL {sources['sql']}")  # fmt: skip
    print(f"target p95 ≤ 20 ms: {'met' if p95 <= 20 else 'NOT met'}")


def run(url: str, size: int, data_dir: Path, seconds: float) -> tuple[float, float]:
    started = time.perf_counter()
    upgrade_database(url)
    load(url, make_listings(size))
    print(f"\n== {size:,} resources (loaded in {time.perf_counter() - started:.0f} s)")
    hub = build_hub(Settings(data_dir=data_dir, database_url=url))
    try:
        with hub.sessions() as db:
            started = time.perf_counter()
            assert memory.ensure_fresh(db, timeout=600) is not None
        print(f"copy in memory read whole once: {time.perf_counter() - started:.1f} s")
        publish, apply = publication_cost(hub, Publisher(hub, "cost"), rounds=60)
        print(f"one publication: {publish * 1000:.1f} ms (median of 50), "
              f"applying it to memory: {apply * 1000:.1f} ms")  # fmt: skip
        if seconds:
            stream(hub, url, data_dir, seconds)
        found = memory.attached(hub.engine)
        reads = found.whole_reads if found else 0
        print(f"whole reads of the index: {reads} (the first one only)")
        return publish, apply
    finally:
        hub.engine.dispose()


def main() -> None:
    if sys.argv[1:2] == ["--publish-stream"]:
        publish_stream(sys.argv[2], sys.argv[3], float(sys.argv[4]))
        return
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("pg_url", nargs="?", default=os.environ.get("MODELHUB_BENCH_DATABASE_URL"))
    parser.add_argument("--sizes", default="10000,100000")
    parser.add_argument(
        "--seconds", type=float, default=30.0, help="of the stream, at the largest size"
    )
    args = parser.parse_args()
    sizes = [int(s) for s in args.sizes.split(",")]
    for engine_name in ("SQLite", "PostgreSQL") if args.pg_url else ("SQLite",):
        print(f"\n#### {engine_name}")
        costs = []
        for size in sizes:
            with tempfile.TemporaryDirectory(prefix="modelhub-bench-stream-") as tmp:
                url = args.pg_url if engine_name == "PostgreSQL" else f"sqlite:///{tmp}/hub.sqlite3"
                if engine_name == "PostgreSQL":
                    _fresh_postgres(url)
                seconds = args.seconds if size == max(sizes) else 0
                costs.append(run(url, size, Path(tmp) / "data", seconds))
        if len(costs) > 1:
            (small_pub, small_apply), (big_pub, big_apply) = costs[0], costs[-1]
            ratio = big_pub / small_pub
            print(f"\n{engine_name}: one publication at {sizes[-1]:,} / at {sizes[0]:,}: "
                  f"{ratio:.2f}× (applying to memory: {big_apply / small_apply:.2f}×)")  # fmt: skip
            print(f"target ≤ 1.5×: {'met' if ratio <= 1.5 else 'NOT met'}")


if __name__ == "__main__":
    main()
