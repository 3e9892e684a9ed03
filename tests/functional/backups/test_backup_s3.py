"""A hub whose blobs are in S3 backed up with ``--no-blobs``: the manifest alone, the blobs
staying in the bucket; the restore then checks every blob of the manifest is there."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import create_engine

from modelhub.cli.backups import backup, restore
from modelhub.config import Settings
from modelhub.hub import Hub
from modelhub.storage.s3 import S3Storage
from tests.conftest import hub_settings
from tests.functional.backups.common import counts, counts_at, env, fill, published_files, run
from tests.s3server import S3Server


@pytest.fixture
def settings(migrated_template: str, tmp_path: Path, s3: S3Server) -> Settings:
    return hub_settings(migrated_template, tmp_path).model_copy(
        update={"storage_url": s3.url(), "s3_endpoint_url": s3.endpoint_url}
    )


def test_a_manifest_only_backup_restores_over_the_same_bucket(
    hub: Hub, tmp_path: Path, s3: S3Server, monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:  # fmt: skip
    assert isinstance(hub.storage, S3Storage)
    fill(hub, tmp_path)
    env(monkeypatch, hub.settings)
    code, made = run(backup, capsys, tmp_path / "bk", no_blobs=True)
    assert (code, made["blobs_included"]) == (0, False)
    assert made["blobs"] > 10 and not (tmp_path / "bk" / "blobs").exists()
    # into a new database beside an empty prefix: the blobs are not there
    elsewhere = Settings(
        data_dir=tmp_path, database_url=f"sqlite:///{tmp_path / 'a.sqlite3'}",
        storage_url=s3.url(), s3_endpoint_url=s3.endpoint_url,
    )  # fmt: skip
    env(monkeypatch, elsewhere)
    code, refused = run(restore, capsys, tmp_path / "bk")
    assert (code, refused["error"]["code"]) == (2, "blob_missing")
    assert f"{made['blobs']} blob(s)" in refused["error"]["message"]
    assert counts_at(elsewhere.resolved_database_url)["users"] == 0
    # into a new database beside the hub's own prefix
    beside = elsewhere.model_copy(
        update={"database_url": f"sqlite:///{tmp_path / 'b.sqlite3'}",
                "storage_url": hub.settings.storage_url}
    )  # fmt: skip
    env(monkeypatch, beside)
    code, done = run(restore, capsys, tmp_path / "bk")
    assert (code, done["blobs_stored"]) == (0, 0), done
    engine = create_engine(beside.resolved_database_url)
    try:
        assert counts(engine) == counts(hub.engine)
        assert published_files(engine, hub.storage) == published_files(hub.engine, hub.storage)
    finally:
        engine.dispose()
