"""The index follows the listing in the same transaction: publish, yank/unyank, check results;
and migration 0006 indexes what was published before it."""

from __future__ import annotations

from pathlib import Path

import httpx
import pytest
from alembic import command
from alembic.config import Config
from sqlalchemy import select

from modelhub.accounts.models import User
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
from modelhub.db import MIGRATIONS_DIR, make_engine, make_session_factory, transaction
from modelhub.search import service
from modelhub.search.schemas import SearchQuery
from modelhub.storage.factory import LocalStorageDescription
from modelhub.storage.local import LocalStorage
from modelhub.storage.service import BlobBatch
from tests.conftest import LiveServer, auth
from tests.functional.search import corpus


def _hits(http: httpx.Client, **params: str) -> list[dict[str, object]]:
    r = http.get("/api/v1/resources", params=params)
    assert r.status_code == 200, r.text
    items: list[dict[str, object]] = r.json()["items"]
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
    assert _hits(http, tags="cells") == []  # v2 dropped the tag
    r = http.post(
        "/api/v1/resources/cell-tracker/versions/v2/yank",
        headers=auth(admin_token),
        json={"reason": "wrong weights"},
    )
    assert r.status_code == 200, r.text
    assert _hits(http, q="deluxe") == []
    assert [i["latest_version"] for i in _hits(http, tags="cells")] == ["v1"]
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
    cfg.set_main_option("sqlalchemy.url", url)
    cfg.attributes["configure_logger"] = False
    return cfg


def test_migration_indexes_what_was_published_before(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # its own SQLite file whatever the suite runs on: the shared database stays at head
    url = f"sqlite:///{tmp_path / 'old.sqlite3'}"
    cfg = _alembic(url)
    command.upgrade(cfg, "0005")
    engine = make_engine(url)
    storage = LocalStorage(tmp_path / "data" / "blobs")
    with transaction(make_session_factory(engine)) as db:
        user = User(username="old")
        db.add(user)
        db.flush()
        db.add(
            Resource(
                id="old-timer",
                emoji="🦕",
                type=ResourceType.model,
                name="Old timer",
                description="Published before search existed.",
                license="MIT",
                created_by_id=user.id,
                published_at=corpus.T0,
                latest_version=1,
            )
        )
        db.flush()
        readme = BlobBatch(db, storage).put_bytes(b"Works on axolotl retinas.")
        version = ResourceVersion(
            resource_id="old-timer",
            revision=1,
            number=1,
            status=VersionStatus.published,
            format_version="0.5.3",
            name="Old timer",
            description="Published before search existed.",
            license="MIT",
            tags=["legacy"],
            authors=[{"name": "Ada Lovelace"}],
            rdf={"documentation": "README.md", "weights": {"onnx": {"source": "w.onnx"}}},
            rdf_sha256="0" * 64,
            validation={},
            uploader_id=user.id,
            published_at=corpus.T0,
        )
        db.add(version)
        db.flush()
        db.add(ResourceTag(resource_id="old-timer", tag="legacy"))
        db.add(
            VersionFile(
                version_id=version.id,
                path="README.md",
                blob_sha256=readme.sha256,
                size=readme.size,
                media_type="text/markdown",
            )
        )
    engine.dispose()
    # the hub migrating its own database (its settings name this database and its storage)
    monkeypatch.setenv("MODELHUB_DATABASE_URL", url)
    monkeypatch.setenv("MODELHUB_DATA_DIR", str(tmp_path / "data"))
    command.upgrade(cfg, "head")
    engine = make_engine(url)
    with make_session_factory(engine)() as db:
        for words in ("old timer", "axolotl", "lovelace", "publish"):
            found = service.search(db, query=SearchQuery(q=words))
            assert [e.resource_id for e in found.entries] == ["old-timer"], words
        tagged = service.search(db, query=SearchQuery(tags=["legacy"], formats=["onnx"]))
        assert tagged.total == 1 and tagged.facets.tags[0].value == "legacy"
    engine.dispose()


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
