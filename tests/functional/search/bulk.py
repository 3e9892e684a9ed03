"""A few hundred generated entries written straight into the tables and the index (no
uploads, no storage): enough ties in dates, names, downloads and tag counts to test orders."""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import insert, text

from modelhub.accounts import service as accounts
from modelhub.all_models import Base
from modelhub.db import transaction
from modelhub.hub import Hub
from modelhub.search import fts, index
from modelhub.search.entries import Listing, entry_values, facet_values

WORDS = ["cell", "cells", "nucleus", "nuclei", "segmentation", "segment", "membrane", "tracking"]
WORDS += ["mitochondria", "denoising", "zebrafish", "embryo", "unet", "3d", "volume", "Ångström"]
TAGS = [f"t{i}" for i in range(40)] + ["cell-2d", "cell2d", "Cell 3D", "em", "segmentation"]
DOC_ONLY = ["quasar", "lantern", "meadow"]
T0 = datetime(2024, 1, 1, tzinfo=UTC)


def listings(n: int, seed: int = 3) -> list[Listing]:
    rng = random.Random(seed)
    out = []
    for i in range(n):
        when = T0 + timedelta(days=rng.randint(0, 30))  # many equal dates: ties by id
        name = " ".join(rng.sample(WORDS, 2)) if i % 5 else "Cell model"  # equal names too
        weights = rng.sample(["onnx", "torchscript", "pytorch_state_dict"], rng.randint(0, 2))
        out.append(
            Listing(
                resource_id=f"{rng.choice(['a', 'B', 'c-', 'z'])}{rng.randint(0, 9)}-{i:03d}",
                type=rng.choice(["model", "model", "dataset", "notebook", "application"]),
                emoji="🔬",
                created_at=when,
                published_at=when,
                updated_at=when,
                version_id=i + 1,
                number=1,
                name=name.capitalize() if i % 3 else name,
                description=" ".join(rng.choices(WORDS, k=5)),
                license=rng.choice(["MIT", "CC-BY-4.0", "CC0-1.0", None]),
                tags=rng.sample(TAGS, rng.randint(0, 4)),
                authors=[{"name": rng.choice(["Anna Kreshuk", "Segun Ade", "Ben Cell"])}],
                rdf={"weights": {w: {"source": "w"} for w in weights}},
                documentation=" ".join(rng.sample(DOC_ONLY + WORDS[:4], 3)),
                check_status=rng.choice(["passed", "failed", None]),
            )
        )
    return out


def fill(hub: Hub, n: int = 300) -> None:
    """Publish ``n`` generated resources into the hub's database in one transaction."""
    tables = Base.metadata.tables
    rng = random.Random(5)
    with transaction(hub.sessions) as db:
        user = accounts.create_user(db, username="bulk")
        counts: dict[tuple[str, str], int] = {}
        for item in listings(n):
            values, token_list = entry_values(item)
            db.execute(insert(tables["resources"]).values(**_resource(item, user.id)))
            db.execute(insert(tables["resource_versions"]).values(**_version(item, user.id)))
            for tag in values["tags"]:
                db.execute(
                    insert(tables["resource_tags"]).values(resource_id=item.resource_id, tag=tag)
                )
            values["downloads"] = rng.randint(0, 3)
            db.execute(insert(tables["search_entries"]).values(id=item.version_id, **values))
            fts.write(db, entry_id=item.version_id, token_list=token_list)
            for pair in facet_values(values):
                counts[pair] = counts.get(pair, 0) + 1
        index.bump_counts(db, counts)
        index.bump_generation(db)
        if db.get_bind().dialect.name == "postgresql":  # ids were given: move the sequences on
            for table in ("resource_versions", "search_entries"):
                db.execute(text(f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), {n})"))


def _resource(item: Listing, user_id: int) -> dict[str, Any]:
    return {
        "id": item.resource_id,
        "emoji": item.emoji,
        "type": item.type,
        "name": item.name,
        "description": item.description,
        "license": item.license,
        "created_by_id": user_id,
        "created_at": item.created_at,
        "updated_at": item.updated_at,
        "published_at": item.published_at,
        "latest_version": 1,
    }


def _version(item: Listing, user_id: int) -> dict[str, Any]:
    return {
        "id": item.version_id,
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
        "uploader_id": user_id,
        "created_at": item.created_at,
        "published_at": item.published_at,
    }
