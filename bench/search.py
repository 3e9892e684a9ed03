"""Search latency at 10,000 and 100,000 published resources, on SQLite and on PostgreSQL.

Targets: the search service p95 ≤ 20 ms at 100,000 resources on both engines; the whole
catalog page (in-process, through the ASGI app) p95 ≤ 50 ms. Each engine is measured twice: with
the copy of the index in memory (built synchronously first: its build time and size are
printed), then with SQL only (``search_memory`` off).

The corpus is written straight into the tables (resources, versions, tags, search index), with
realistic words, tags, authors, a few weight formats and licenses. PostgreSQL:
``MODELHUB_BENCH_DATABASE_URL`` or the first argument (its public schema is replaced!), e.g.
``postgresql+psycopg://postgres@127.0.0.1:5432/modelhub_test_search``; without one only SQLite
runs. ``--sizes 10000,100000`` picks the corpus sizes."""

from __future__ import annotations

import argparse
import os
import random
import tempfile
import time
from collections import Counter
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from functools import partial
from pathlib import Path
from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy import create_engine, insert, text

from modelhub.all_models import Base
from modelhub.app import build_hub, create_app
from modelhub.config import Settings
from modelhub.db import upgrade_database
from modelhub.hub import Hub
from modelhub.search import memory, service
from modelhub.search.entries import Listing, entry_values, facet_values
from modelhub.search.index import bump_counts, bump_generation
from modelhub.search.schemas import SearchQuery
from modelhub.search.tokens import tokens_of

ROUNDS = 20
WARMUP = 2

TOPICS = [
    "segmentation",
    "nuclei",
    "cell",
    "cells",
    "membrane",
    "mitochondria",
    "neuron",
    "axon",
    "synapse",
    "organoid",
    "tissue",
    "histology",
    "pathology",
    "fluorescence",
    "confocal",
    "microscopy",
    "electron",
    "widefield",
    "lightsheet",
    "denoising",
    "deconvolution",
    "restoration",
    "superresolution",
    "detection",
    "tracking",
    "classification",
    "registration",
    "embedding",
    "instance",
    "semantic",
    "boundary",
    "affinity",
    "plant",
    "root",
    "leaf",
    "zebrafish",
    "drosophila",
    "mouse",
    "human",
    "yeast",
    "bacteria",
    "embryo",
    "brain",
    "kidney",
    "liver",
    "tumor",
    "stain",
    "nucleus",
    "cytoplasm",
    "vesicle",
    "filament",
    "actin",
    "tubulin",
    "chromatin",
    "spindle",
    "division",
    "migration",
    "lineage",
    "volume",
    "slice",
    "stack",
    "timelapse",
    "2d",
    "3d",
    "multichannel",
    "unet",
    "stardist",
    "cellpose",
    "resnet",
    "transformer",
    "diffusion",
    "autoencoder",
    "gan",
    "network",
    "model",
    "dataset",
    "notebook",
    "training",
    "pretrained",
    "fine",
    "tuned",
    "annotation",
    "label",
    "mask",
    "ground",
    "truth",
    "benchmark",
    "challenge",
    "robust",
    "fast",
    "accurate",
    "lightweight",
]
FILLER = [
    "the",
    "a",
    "of",
    "for",
    "and",
    "with",
    "from",
    "using",
    "on",
    "in",
    "to",
    "by",
    "trained",
    "images",
    "image",
    "data",
    "this",
    "we",
    "our",
    "method",
    "approach",
    "results",
    "performance",
    "applied",
    "predict",
    "prediction",
    "input",
    "output",
]
FIRST = [
    "Anna",
    "Ben",
    "Carla",
    "David",
    "Eva",
    "Felix",
    "Greta",
    "Hugo",
    "Ines",
    "Jonas",
    "Kira",
    "Lars",
    "Mia",
    "Nils",
    "Olga",
    "Paul",
]
LAST = [
    "Pape",
    "Weigert",
    "Schmidt",
    "Ouyang",
    "Beier",
    "Kreshuk",
    "Jug",
    "Meijering",
    "Ronneberger",
    "Stringer",
]
LICENSES = ("MIT", "CC-BY-4.0", "Apache-2.0", "BSD-3-Clause", "CC0-1.0", "GPL-3.0-only")
FORMATS = ("pytorch_state_dict", "torchscript", "onnx", "tensorflow_saved_model_bundle")
TYPES = ("model",) * 6 + ("dataset",) * 2 + ("notebook", "application")


def _zipf(rng: random.Random, items: list[str], k: int) -> list[str]:
    # a few words are very common, most are rare (as in real descriptions)
    weights = [1 / (i + 1) for i in range(len(items))]
    return rng.choices(items, weights=weights, k=k)


def make_listings(n: int, seed: int = 7) -> list[Listing]:
    rng = random.Random(seed)
    syllables = ["ka", "lo", "mi", "nu", "ter", "sol", "vex", "dri", "pan", "gor", "zel", "qui"]
    rare = sorted({"".join(rng.choices(syllables, k=3)) for _ in range(3000)})
    tags = TOPICS[:60] + [f"{w}-{v}" for w in TOPICS[:20] for v in ("2d", "3d", "em")]
    start = datetime(2020, 1, 1, tzinfo=UTC)
    out = []
    for i in range(n):
        kind = rng.choice(TYPES)
        # each resource is about a few themes; its texts mix them with rare words and filler
        themes = list(dict.fromkeys(_zipf(rng, TOPICS, 3)))
        own = themes + rng.sample(rare, 6)
        words = rng.sample(own, min(len(own), rng.randint(2, 4)))
        when = start + timedelta(minutes=i * 7 + rng.randint(0, 5))
        weights = (
            {f: {"source": f"weights.{f}"} for f in rng.sample(FORMATS, rng.randint(1, 3))}
            if kind == "model"
            else {}
        )
        description = rng.choices(own, k=rng.randint(6, 12)) + rng.sample(FILLER, 6)
        rng.shuffle(description)
        docs = " ".join(rng.choices(own + FILLER, k=150))
        formats_checked = {
            f: {"status": rng.choice(("passed", "passed", "failed"))} for f in weights
        }
        out.append(
            Listing(
                resource_id=f"res-{i:06d}",
                type=kind,
                emoji="🦠",
                created_at=when,
                published_at=when,
                updated_at=when,
                version_id=i + 1,
                number=1,
                name=" ".join(w.capitalize() for w in words) + f" {i}",
                description=" ".join(description).capitalize() + ".",
                license=rng.choice(LICENSES),
                tags=list(dict.fromkeys(themes[:2] + _zipf(rng, tags, rng.randint(1, 4)))),
                authors=[
                    {"name": f"{rng.choice(FIRST)} {rng.choice(LAST)}"}
                    for _ in range(rng.randint(1, 4))
                ],
                rdf={"weights": weights, "covers": ["cover.png"]},
                file_paths={"cover.png", "rdf.yaml"},
                documentation=" ".join(tokens_of([docs])),
                check_status="passed" if rng.random() < 0.7 else "failed",
                check_formats=formats_checked,
            )
        )
    return out


def _chunks(rows: list[dict[str, Any]], size: int = 5000) -> Iterator[list[dict[str, Any]]]:
    for i in range(0, len(rows), size):
        yield rows[i : i + size]


def load(url: str, listings: list[Listing]) -> None:
    """Write the corpus into a migrated database, straight into the tables."""
    tables = Base.metadata.tables
    engine = create_engine(url)
    now = datetime.now(UTC)
    resources, versions, tag_rows, entries, tokens = [], [], [], [], []
    counts: Counter[tuple[str, str]] = Counter()
    for i, item in enumerate(listings, start=1):
        values, token_list = entry_values(item)
        counts.update(facet_values(values))
        resources.append(
            {
                "id": item.resource_id,
                "emoji": item.emoji,
                "type": item.type,
                "name": item.name,
                "description": item.description,
                "license": item.license,
                "created_by_id": 1,
                "created_at": item.created_at,
                "updated_at": item.updated_at,
                "published_at": item.published_at,
                "latest_version": 1,
            }
        )
        versions.append(
            {
                "id": i,
                "resource_id": item.resource_id,
                "revision": 1,
                "number": 1,
                "status": "published",
                "format_version": "0.5.3",
                "name": item.name,
                "description": item.description,
                "license": item.license,
                "tags": item.tags,
                "authors": item.authors,
                "rdf": item.rdf,
                "rdf_sha256": "0" * 64,
                "validation": {},
                "uploader_id": 1,
                "created_at": item.created_at,
                "published_at": item.published_at,
            }
        )
        tag_rows += [{"resource_id": item.resource_id, "tag": t} for t in values["tags"]]
        entries.append({"id": i, "downloads": 0, **values})
        tokens.append({"id": i, "tokens": " ".join(token_list)})
    with engine.begin() as conn:
        conn.execute(
            insert(tables["users"]),
            [{"id": 1, "username": "bench", "role": "admin", "is_active": True, "created_at": now}],
        )
        for table, rows in (
            ("resources", resources),
            ("resource_versions", versions),
            ("resource_tags", tag_rows),
            ("search_entries", entries),
        ):
            for chunk in _chunks(rows):
                conn.execute(insert(tables[table]), chunk)
        if engine.dialect.name == "postgresql":
            conn.execute(text("CREATE TEMP TABLE bench_tokens (id int primary key, tokens text)"))
            for chunk in _chunks(tokens):
                conn.execute(text("INSERT INTO bench_tokens VALUES (:id, :tokens)"), chunk)
            conn.execute(
                text(
                    "UPDATE search_entries e SET tsv = array_to_tsvector("
                    "string_to_array(t.tokens, ' ')) FROM bench_tokens t WHERE t.id = e.id"
                )
            )
        else:
            for chunk in _chunks(tokens):
                conn.execute(
                    text("INSERT INTO search_fts (rowid, tokens) VALUES (:id, :tokens)"), chunk
                )
        bump_counts(conn, dict(counts))
        bump_generation(conn)
        conn.execute(insert(Base.metadata.tables["partners"]).values(**PARTNER))
    with engine.connect() as conn:
        conn.execution_options(isolation_level="AUTOCOMMIT").execute(
            text("VACUUM ANALYZE" if engine.dialect.name == "postgresql" else "ANALYZE")
        )
    engine.dispose()


QUERIES: dict[str, dict[str, Any]] = {
    "one word": {"q": "mitochondria"},
    "prefix": {"q": "segm"},
    "two words": {"q": "nuclei segmentation"},
    "words + 2 tags": {"q": "cell", "tags": ["segmentation", "nuclei"]},
    "filters only": {"type": "model", "license": "MIT", "formats": ["onnx"], "checked": True},
    "listing (newest)": {},
    "listing, page 200": {"page": 200},
    "by name, tag": {"sort": "name", "tags": ["fluorescence"]},
    "partner": {"partner": "bench"},
    "partner + word": {"partner": "bench", "q": "cell"},
}
# the partner of the two partner queries: its tags and types (its namespace ``bench/`` is empty)
PARTNER = {
    "id": "bench",
    "name": "Bench partner",
    "description": "",
    "collection_url": "https://example.org/collection.yaml",
    "created_at": datetime(2025, 1, 1, tzinfo=UTC),
    "appearance": {"tags": ["fluorescence"], "resource_types": ["model", "dataset"]},
}


def _url(params: dict[str, Any]) -> str:
    pairs = []
    for key, value in params.items():
        name = "format" if key == "formats" else key
        for v in value if isinstance(value, list) else [value]:
            pairs.append(f"{name}={str(v).lower() if isinstance(v, bool) else v}")
    return "/?" + "&".join(pairs)


def _percentiles(samples: list[float]) -> tuple[float, float]:
    ordered = sorted(samples)
    return ordered[len(ordered) // 2], ordered[min(len(ordered) - 1, int(0.95 * len(ordered)))]


def _time(call: Callable[[], object]) -> tuple[float, float]:
    for _ in range(WARMUP):
        call()
    samples = []
    for _ in range(ROUNDS):
        start = time.perf_counter()
        call()
        samples.append((time.perf_counter() - start) * 1000)
    return _percentiles(samples)


def _table(hub: Hub, client: TestClient, label: str, use_memory: bool) -> None:
    print(f"\n{label}")
    print(f"{'query':<20} {'hits':>7}  {'search p50':>10} {'p95':>7}  {'page p50':>9} {'p95':>7}")
    rows = []
    for name, params in QUERIES.items():
        query = SearchQuery(**params)
        with hub.sessions() as db:
            found = service.search(db, query=query, use_memory=use_memory)
            assert found.source == ("memory" if use_memory else "sql")
            s50, s95 = _time(partial(service.search, db, query=query, use_memory=use_memory))
        page_url = _url(params)
        assert client.get(page_url).status_code == 200
        p50, p95 = _time(partial(client.get, page_url))
        rows.append((s95, p95))
        print(f"{name:<20} {found.total:>7}  {s50:>10.1f} {s95:>7.1f}  {p50:>9.1f} {p95:>7.1f}")
    worst_search = max(r[0] for r in rows)
    worst_page = max(r[1] for r in rows)
    print(f"worst p95 (ms): search {worst_search:.1f}, catalog page {worst_page:.1f}")


def measure(url: str, data_dir: Path, label: str) -> None:
    """The memory path (built first, synchronously), then the SQL path (the setting off)."""
    hub = build_hub(Settings(data_dir=data_dir, database_url=url))
    with TestClient(create_app(hub=hub)) as client, hub.sessions() as db:
        started = time.perf_counter()
        snap = memory.ensure_fresh(db, timeout=600)
        assert snap is not None, "the copy of the index in memory could not be built"
        built = time.perf_counter() - started
        print(f"\nmemory copy: built in {built:.1f} s, about {snap.nbytes / 2**20:.0f} MiB")
        _table(hub, client, f"{label}, memory path", use_memory=True)
    hub.engine.dispose()
    sql_hub = build_hub(Settings(data_dir=data_dir, database_url=url, search_memory=False))
    with TestClient(create_app(hub=sql_hub)) as client:
        _table(sql_hub, client, f"{label}, SQL path", use_memory=False)
    sql_hub.engine.dispose()


def _fresh_postgres(url: str) -> None:
    engine = create_engine(url)
    with engine.begin() as conn:
        conn.execute(text("DROP SCHEMA public CASCADE"))
        conn.execute(text("CREATE SCHEMA public"))
    engine.dispose()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("pg_url", nargs="?", default=os.environ.get("MODELHUB_BENCH_DATABASE_URL"))
    parser.add_argument("--sizes", default="10000,100000")
    args = parser.parse_args()
    for size in (int(s) for s in args.sizes.split(",")):
        started = time.perf_counter()
        listings = make_listings(size)
        print(f"\n== {size:,} resources (corpus built in {time.perf_counter() - started:.0f} s)")
        with tempfile.TemporaryDirectory(prefix="modelhub-bench-search-") as tmp:
            targets = [("SQLite", f"sqlite:///{tmp}/hub.sqlite3")]
            if args.pg_url:
                targets.append(("PostgreSQL", args.pg_url))
            for engine_name, url in targets:
                if url.startswith("postgresql"):
                    _fresh_postgres(url)
                upgrade_database(url)
                started = time.perf_counter()
                load(url, listings)
                loaded = time.perf_counter() - started
                data = Path(tmp) / f"data-{engine_name}"
                measure(url, data, f"{engine_name}, {size:,} resources (loaded in {loaded:.0f} s)")
    print("\ntargets at 100,000: search p95 ≤ 20 ms, catalog page p95 ≤ 50 ms (times in ms)")


if __name__ == "__main__":
    main()
