"""The index follows the listing in the same transaction: publish, yank/unyank, check results;
and the hub indexes what was published before migration 0006 made the index."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import httpx
import sqlalchemy as sa
from alembic import command
from alembic.config import Config
from sqlalchemy import insert, select, text

from modelhub.catalog import service as catalog_service
from modelhub.catalog.models import (
    Resource,
    ResourceTag,
    ResourceType,
    ResourceVersion,
    VersionFile,
    VersionStatus,
)
from modelhub.checks.limits import SandboxLimits
from modelhub.checks.models import CheckRun, CheckStatus
from modelhub.checks.outcome import CheckReport, FormatReport
from modelhub.checks.tasks import CheckSettings, make_kind
from modelhub.cli.database import migrate
from modelhub.config import Settings
from modelhub.db import MIGRATIONS_DIR, make_engine, make_session_factory, transaction
from modelhub.search import service
from modelhub.search.models import (
    REBUILD_MARK,
    SearchChange,
    SearchCount,
    SearchDocument,
    SearchEntry,
    SearchState,
)
from modelhub.search.schemas import SearchQuery
from modelhub.storage.factory import LocalStorageDescription
from modelhub.storage.local import LocalStorage
from modelhub.storage.service import BlobBatch
from tests.conftest import LiveServer, auth
from tests.functional.search import corpus


def _hits(http: httpx.Client, **params: str) -> list[dict[str, Any]]:
    r = http.get("/api/v1/resources", params=params)
    assert r.status_code == 200, r.text
    items: list[dict[str, Any]] = r.json()["items"]
    return items


def test_yank_and_unyank_move_the_listing(
    server: LiveServer, http: httpx.Client, admin_token: str
) -> None:
    corpus.build(server.hub)
    with transaction(server.hub.sessions) as db:
        resource = db.get(Resource, "cell-tracker")
        assert resource is not None
        spec = corpus.Spec("cell-tracker", "Cell tracker deluxe", tags=["tracking"], day=9)
        corpus.add_version(db, server.hub, resource, spec, 2)
    assert [i["latest_version"] for i in _hits(http, q="deluxe")] == ["v2"]
    # every card lists its resource's published versions, newest first
    versions = {i["id"]: [v["version"] for v in i["versions"]] for i in _hits(http)}
    assert versions["cell-tracker"] == ["v2", "v1"] and versions["mito-em"] == ["v1"]
    assert len(versions) == 7
    assert _hits(http, tags="cells") == []  # v2 dropped the tag
    r = http.post(
        "/api/v1/resources/cell-tracker/versions/v2/yank",
        headers=auth(admin_token),
        json={"reason": "wrong weights"},
    )
    assert r.status_code == 200, r.text
    assert _hits(http, q="deluxe") == []
    [listed] = _hits(http, tags="cells")
    assert listed["latest_version"] == "v1"
    assert [(v["version"], v["yanked_at"] is not None) for v in listed["versions"]] == [
        ("v2", True),
        ("v1", False),
    ]
    r = http.post("/api/v1/resources/cell-tracker/versions/v2/unyank", headers=auth(admin_token))
    assert r.status_code == 200, r.text
    assert [i["id"] for i in _hits(http, q="deluxe")] == ["cell-tracker"]
    facets = http.get("/api/v1/resources").json()["facets"]
    assert {"value": "cells", "count": 1, "selected": False} not in facets["tags"]


def test_a_check_result_of_the_listed_version_updates_badges(
    server: LiveServer, http: httpx.Client, tmp_path: Path
) -> None:
    corpus.build(server.hub)
    kind = make_kind(
        CheckSettings(
            storage=LocalStorageDescription(root=str(tmp_path)),
            limits=SandboxLimits(),
            scratch_root=tmp_path,
            hidden_paths=(),
            allow_unsandboxed=False,
        )
    )
    with transaction(server.hub.sessions) as db:
        version = db.scalar(
            select(ResourceVersion).where(ResourceVersion.resource_id == "nucleus-unet")
        )
        assert version is not None
        run = CheckRun(version_id=version.id, status=CheckStatus.running, trigger="upload")
        db.add(run)
        db.flush()
        outcome = CheckReport(
            status="passed",
            formats={"onnx": FormatReport("passed"), "torchscript": FormatReport("passed")},
        )
        kind.apply(db, {"check_run_id": run.id}, outcome)
        kind.apply(db, {"check_run_id": run.id}, outcome)  # applied twice: nothing changes
    [card] = _hits(http, checked="true")
    assert card["id"] == "nucleus-unet"
    assert card["checks"] == {"onnx": "passed", "torchscript": "passed"}
    assert http.get("/api/v1/resources").json()["facets"]["checked"] == 1
    with transaction(server.hub.sessions) as db:
        failing = CheckRun(version_id=version.id, status=CheckStatus.running, trigger="recheck")
        db.add(failing)
        db.flush()
        assert kind.fail is not None
        kind.fail(db, {"check_run_id": failing.id}, "the worker died")
    assert _hits(http, checked="true") == []
    assert _hits(http, q="nucleus")[0]["checks"] == {"onnx": "not_run", "torchscript": "not_run"}


def _alembic(url: str) -> Config:
    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS_DIR))
    cfg.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    cfg.attributes["configure_logger"] = False
    return cfg


# the users table as migration 0005 left it (the mapped class has later columns with defaults)
_USERS_0005 = sa.table(
    "users",
    sa.column("id"),
    sa.column("username"),
    sa.column("role"),
    sa.column("is_active"),
    sa.column("created_at"),
)


# resource_versions as that migration left it (likewise)
_VERSIONS_0005 = sa.table(
    "resource_versions",
    *(sa.column(c) for c in ("id", "resource_id", "revision", "number", "status")),
    *(sa.column(c) for c in ("format_version", "name", "description", "license")),
    *(sa.column(c, sa.JSON) for c in ("tags", "authors", "rdf", "validation")),
    *(sa.column(c) for c in ("rdf_sha256", "uploader_id", "created_at", "published_at")),
)


def _publish_before_search_existed(url: str, storage: LocalStorage) -> int:
    """A resource published on a database at migration 0005; returns its version's id."""
    engine = make_engine(url)
    with transaction(make_session_factory(engine)) as db:
        # the columns of migration 0005 only (the mapped classes have later ones)
        user_id = db.execute(
            insert(_USERS_0005)
            .values(username="old", role="member", is_active=True, created_at=corpus.T0)
            .returning(_USERS_0005.c.id)
        ).scalar_one()
        db.execute(
            insert(Resource).values(
                id="old-timer",
                emoji="🦕",
                type=ResourceType.model.value,
                name="Old timer",
                description="Published before search existed.",
                license="MIT",
                created_by_id=user_id,
                created_at=corpus.T0,
                updated_at=corpus.T0,
                published_at=corpus.T0,
                latest_version=1,
            )
        )
        db.flush()
        readme = BlobBatch(db, storage).put_bytes(b"Works on axolotl retinas.")
        version_id: int = db.execute(
            insert(_VERSIONS_0005)
            .values(
                resource_id="old-timer",
                revision=1,
                number=1,
                status=VersionStatus.published.value,
                format_version="0.5.3",
                name="Old timer",
                description="Published before search existed.",
                license="MIT",
                tags=["legacy"],
                authors=[{"name": "Ada Lovelace"}],
                rdf={"documentation": "README.md", "weights": {"onnx": {"source": "w.onnx"}}},
                rdf_sha256="0" * 64,
                validation={},
                uploader_id=user_id,
                created_at=corpus.T0,
                published_at=corpus.T0,
            )
            .returning(_VERSIONS_0005.c.id)
        ).scalar_one()
        db.add(ResourceTag(resource_id="old-timer", tag="legacy"))
        db.add(
            VersionFile(
                version_id=version_id,
                path="README.md",
                blob_sha256=readme.sha256,
                size=readme.size,
                media_type="text/markdown",
            )
        )
    engine.dispose()
    return version_id


def _index_tables(url: str) -> dict[str, object]:
    """Every row of the index's tables; the full text as each entry's set of tokens."""
    engine = make_engine(url)
    with engine.connect() as conn:
        if conn.dialect.name == "postgresql":
            raw = conn.execute(text("SELECT id, tsv::text FROM search_entries")).all()
            words = {i: {w.strip("'") for w in str(t or "").split()} for i, t in raw}
        else:
            raw = conn.execute(text("SELECT rowid, tokens FROM search_fts")).all()
            words = {i: set(str(t).split()) for i, t in raw}
        entries = conn.execute(select(SearchEntry.__table__)).mappings().all()
        found: dict[str, object] = {
            "entries": [dict(e) for e in entries],
            "full_text": words,
            "documents": conn.execute(select(SearchDocument.__table__)).all(),
            "counts": conn.execute(
                select(SearchCount.__table__).order_by(SearchCount.facet, SearchCount.value)
            ).all(),
            "state": conn.execute(select(SearchState.__table__).order_by("id")).all(),
            "changes": conn.execute(select(SearchChange.__table__).order_by("generation")).all(),
        }
    engine.dispose()
    return found


# what the index of migration 0006 held for the resource below (its entry's full text)
OLD_TIMER_TOKENS = (
    "old timer legacy legaci published publish before befor search existed exist "
    "ada lovelace lovelac works work on axolotl retinas retina"
)


def test_resources_published_before_search_are_indexed_by_the_hub(settings: Settings) -> None:
    # the test's own database (an SQLite copy, or the PostgreSQL test database), taken back to
    # the migration before search: the template was migrated with nothing published, unmarked
    url = settings.resolved_database_url
    assert _index_tables(url)["state"] == []
    cfg = _alembic(url)
    command.downgrade(cfg, "0005")
    version_id = _publish_before_search_existed(url, LocalStorage(settings.resolved_storage_dir))
    command.upgrade(cfg, "head")
    # the migration ran none of the index's code: it only marked the index for a rebuild
    assert _index_tables(url) == {
        "entries": [],
        "full_text": {},
        "documents": [],
        "counts": [],
        "state": [(REBUILD_MARK, 0)],
        "changes": [],
    }
    migrate(settings)  # what `modelhub serve` does before it serves
    assert _index_tables(url) == {
        "entries": [
            {
                "id": 1,
                "resource_id": "old-timer",
                "version_id": version_id,
                "version_number": 1,
                "type": "model",
                "emoji": "🦕",
                "name": "Old timer",
                "name_key": "old timer",
                "description": "Published before search existed.",
                "license": "MIT",
                "tags": ["legacy"],
                "authors": ["Ada Lovelace"],
                "formats_mask": 4,
                "checks": {"onnx": "not_run"},
                "checked": False,
                "compatible": [],
                "compat_mask": 0,
                "cover": None,
                "downloads": 0,
                "created_at": corpus.T0,
                "published_at": corpus.T0,
                "updated_at": corpus.T0,
                "name_tokens": " old timer ",
                "tag_tokens": " legacy legaci ",
                "description_tokens": " published publish before befor search existed exist ",
                "author_tokens": " ada lovelace lovelac ",
            }
        ],
        "full_text": {1: set(OLD_TIMER_TOKENS.split())},
        "documents": [(version_id, "works work on axolotl retinas retina")],
        "counts": [
            ("format", "onnx", 1),
            ("license", "MIT", 1),
            ("tag", "legacy", 1),
            ("type", "model", 1),
        ],
        # one change for the whole index (copies in memory read it again), one per entry;
        # the mark is gone with the same commit
        "state": [(1, 2)],
        "changes": [(1, None), (2, "old-timer")],
    }
    engine = make_engine(url)
    with make_session_factory(engine)() as db:
        for words in ("old timer", "axolotl", "lovelace", "publish"):
            found = service.search(db, query=SearchQuery(q=words))
            assert [e.resource_id for e in found.entries] == ["old-timer"], words
    engine.dispose()
    before = _index_tables(url)
    migrate(settings)  # the next start: no mark, no rebuild
    assert _index_tables(url) == before


def test_a_refresh_that_changes_nothing_keeps_the_generation(server: LiveServer) -> None:
    from modelhub.search import index

    corpus.build(server.hub)
    with transaction(server.hub.sessions) as db:
        resource = db.get(Resource, "nucleus-unet")
        assert resource is not None and resource.latest_version is not None
        version = db.scalar(
            select(ResourceVersion).where(
                ResourceVersion.resource_id == resource.id,
                ResourceVersion.number == resource.latest_version,
            )
        )
        assert version is not None
        before = index.generation(db)
        index.refresh(db, resource=resource, version=version)  # the same listing again
        assert index.generation(db) == before
        resource.name = version.name = "Nucleus segmentation UNet, renamed"
        # the index follows the listing once the change commits (a ListingChanged event)
        catalog_service.set_listing(db, resource=resource, version=version)
        assert index.generation(db) == before
    with server.hub.sessions() as db:
        assert index.generation(db) == before + 1
        found = service.search(db, query=SearchQuery(q="renamed"))
    assert [e.resource_id for e in found.entries] == ["nucleus-unet"]
