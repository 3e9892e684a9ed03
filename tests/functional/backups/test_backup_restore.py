"""``modelhub backup`` and ``modelhub restore`` between real hubs: what comes back is every row
of every table and every published file byte for byte, across databases (the suite's own,
SQLite or PostgreSQL, into a second one of the same kind, and into SQLite) and storages (a
directory into S3); what is refused leaves the target as it was."""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path

import pytest
from sqlalchemy import create_engine

from modelhub.app import build_hub
from modelhub.cli.backups import backup, restore
from modelhub.config import Settings
from modelhub.db import upgrade_database
from modelhub.hub import Hub
from modelhub.storage.factory import describe_storage, storage_from
from modelhub.storage.local import LocalStorage
from tests.functional.backups.common import (
    add_user,
    counts,
    counts_at,
    env,
    fill,
    fulltext,
    published_files,
    run,
    second_database,
)
from tests.s3server import S3Server


def _target(root: Path, database_url: str, *, s3: S3Server | None = None) -> Settings:
    (root / "data").mkdir(parents=True)
    made = Settings(data_dir=root / "data", database_url=database_url)
    if s3 is None:
        return made
    return made.model_copy(update={"storage_url": s3.url(), "s3_endpoint_url": s3.endpoint_url})


def _same_hub(source: Hub, target: Settings) -> None:
    engine = create_engine(target.resolved_database_url)
    try:
        assert counts(engine) == counts(source.engine)
        assert fulltext(engine) == fulltext(source.engine)
        files = published_files(engine, storage_from(describe_storage(target)))
        assert files == published_files(source.engine, source.storage)
        assert len(files) > 10
    finally:
        engine.dispose()


@pytest.mark.parametrize("into", ["same kind", "sqlite and s3"])
def test_a_backup_restores_into_an_empty_hub(
    hub: Hub, migrated_template: str, tmp_path: Path, into: str, s3: S3Server,
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str],
) -> None:  # fmt: skip
    fill(hub, tmp_path)
    assert isinstance(hub.storage, LocalStorage)
    env(monkeypatch, hub.settings)
    code, made = run(backup, capsys, tmp_path / "bk", no_blobs=False)
    assert code == 0 and made["blobs_included"] and made["blobs"] > 10
    if into == "same kind":
        target = _target(tmp_path / "t", second_database(migrated_template, tmp_path))
    else:
        target = _target(tmp_path / "t", f"sqlite:///{tmp_path / 'r.sqlite3'}", s3=s3)
    env(monkeypatch, target)
    code, done = run(restore, capsys, tmp_path / "bk")
    assert code == 0, done
    assert (done["rows"], done["blobs_stored"]) == (sum(made["rows"].values()), made["blobs"])
    _same_hub(hub, target)
    add_user(target.resolved_database_url, "newcomer")
    # a second restore into the hub now full is refused, and changes nothing
    before = counts_at(target.resolved_database_url)
    code, refused = run(restore, capsys, tmp_path / "bk")
    assert (code, refused["error"]["code"]) == (1, "not_empty")
    assert counts_at(target.resolved_database_url) == before


def test_damaged_or_missing_blobs_and_other_schemas_are_refused(
    hub: Hub, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:  # fmt: skip
    fill(hub, tmp_path)
    env(monkeypatch, hub.settings)
    assert run(backup, capsys, tmp_path / "bk", no_blobs=False)[0] == 0
    code, refused = run(backup, capsys, tmp_path / "bk", no_blobs=False)
    assert (code, refused["error"]["code"]) == (1, "out_exists")
    target = _target(tmp_path / "t", f"sqlite:///{tmp_path / 'r.sqlite3'}")
    env(monkeypatch, target)
    blobs = sorted((tmp_path / "bk" / "blobs").rglob("*"))
    damaged = next(p for p in blobs if p.is_file())
    damaged.write_bytes(damaged.read_bytes() + b"!")
    code, refused = run(restore, capsys, tmp_path / "bk")
    assert (code, refused["error"]["code"]) == (2, "blob_damaged")
    assert damaged.name in refused["error"]["message"]
    stored = target.resolved_storage_dir
    assert not [p for p in stored.rglob("*") if p.is_file()]  # the blobs stored went again
    assert counts_at(target.resolved_database_url)["users"] == 0
    damaged.unlink()
    code, refused = run(restore, capsys, tmp_path / "bk")
    assert (code, refused["error"]["code"]) == (2, "blob_missing")
    info = json.loads((tmp_path / "bk" / "backup.json").read_text())
    (tmp_path / "bk" / "backup.json").write_text(json.dumps(info | {"revision": "0001"}))
    code, refused = run(restore, capsys, tmp_path / "bk")
    assert (code, refused["error"]["code"]) == (1, "schema_mismatch")
    assert "0001" in refused["error"]["message"]
    shutil.rmtree(tmp_path / "bk" / "tables")
    (tmp_path / "bk" / "backup.json").unlink()
    code, refused = run(restore, capsys, tmp_path / "bk")
    assert (code, refused["error"]["code"]) == (1, "not_a_backup")


@pytest.mark.skipif(
    not os.environ.get("MODELHUB_TEST_DATABASE_URL"), reason="needs the test PostgreSQL server"
)
def test_a_backup_of_sqlite_restores_into_postgresql(
    migrated_template: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:  # fmt: skip
    source_settings = _target(tmp_path / "s", f"sqlite:///{tmp_path / 's.sqlite3'}")
    source_settings.allow_self_approval = True
    upgrade_database(source_settings.resolved_database_url)
    source = build_hub(source_settings)
    try:
        fill(source, tmp_path)
        env(monkeypatch, source_settings)
        assert run(backup, capsys, tmp_path / "bk", no_blobs=False)[0] == 0
        target = _target(tmp_path / "t", second_database(migrated_template, tmp_path))
        env(monkeypatch, target)
        code, done = run(restore, capsys, tmp_path / "bk")
        assert code == 0, done
        _same_hub(source, target)
        add_user(target.resolved_database_url, "newcomer")
    finally:
        source.engine.dispose()
