"""gc with blobs in S3 (moto's S3 server on loopback): orphan objects go, claimed ones stay,
and an upload that claims a blob while gc holds it in ``.trash/`` gets it back. The steps are
called one by one to play the interleavings of ``maintenance.s3gc`` deterministically."""

from __future__ import annotations

import hashlib
import json
import time
from pathlib import Path

import pytest
import typer

from modelhub.cli import maintenance
from modelhub.config import Settings
from modelhub.hub import Hub
from modelhub.maintenance.folders import Places
from modelhub.maintenance.s3gc import forget_unclaimed, gc_s3, remove_orphan, settle
from modelhub.maintenance.service import fsck
from modelhub.storage.models import Blob
from modelhub.storage.s3 import S3Storage
from modelhub.storage.service import BlobBatch, claim_blob, record_blob
from tests.conftest import hub_settings
from tests.functional.maintenance.common import by_category
from tests.s3server import S3Server


@pytest.fixture
def settings(migrated_template: str, tmp_path: Path, s3: S3Server) -> Settings:
    return hub_settings(migrated_template, tmp_path).model_copy(
        update={"storage_url": s3.url(), "s3_endpoint_url": s3.endpoint_url}
    )


def _s3(hub: Hub) -> S3Storage:
    assert isinstance(hub.storage, S3Storage)
    return hub.storage


def _claim(hub: Hub, sha: str, size: int) -> None:
    """What an upload does before relying on a stored object: a committed claim."""
    with hub.sessions() as db:
        claim_blob(db, hub.sessions, sha256=sha, size=size)
        db.commit()


def _trashed(storage: S3Storage) -> set[str]:
    return {sha for sha, _ in storage.trashed_objects()}


def test_an_orphan_goes_and_a_claimed_blob_stays(hub: Hub) -> None:
    storage = _s3(hub)
    orphan = storage.put_stream(iter([b"bytes no row names"])).sha256
    claimed = storage.put_stream(iter([b"bytes an upload just claimed"]))
    _claim(hub, claimed.sha256, claimed.size)
    failed = hashlib.sha256(b"never stored: the storage went away").hexdigest()
    _claim(hub, failed, 36)  # a claim whose change failed before its bytes landed
    result = gc_s3(sessions=hub.sessions, storage=storage, grace_s=0)
    # grace 0: every object is old enough, and so are the claims — made before the run began
    assert result.removed == {"orphan_blob": 2, "stale_blob_row": 1}
    assert not storage.exists(orphan) and not storage.exists(claimed.sha256)
    # a claim within the grace period keeps the row, and so the object
    again = storage.put_stream(iter([b"bytes an upload just claimed"])).sha256
    _claim(hub, again, claimed.size)
    hour_ago = time.time() - 3600
    assert not remove_orphan(hub.sessions, storage, again, claimed_before=hour_ago)
    assert storage.exists(again) and _trashed(storage) == set()
    with hub.sessions() as db:
        assert db.get(Blob, again) is not None
    report = fsck(sessions=hub.sessions, storage=storage, places=Places.of(hub.settings))
    assert by_category(report) == {"orphan_blob": {again}}


def test_a_claim_between_the_delete_and_the_recheck_brings_the_blob_back(hub: Hub) -> None:
    storage = _s3(hub)
    blob = storage.put_stream(iter([b"an orphan an upload is about to reuse"]))
    now = time.time()
    assert forget_unclaimed(hub.sessions, blob.sha256, claimed_before=now)  # (a): no row
    _claim(hub, blob.sha256, blob.size)  # the upload claims, then its HEAD would find…
    assert storage.to_trash(blob.sha256)  # (b) …nothing, had it come now: it writes anew
    assert not settle(hub.sessions, storage, blob.sha256)  # (c) sees the claim: restored
    assert storage.exists(blob.sha256) and _trashed(storage) == set()
    assert b"".join(storage.iter_bytes(blob.sha256)) == b"an orphan an upload is about to reuse"


def test_gc_finishes_what_a_killed_gc_left_in_the_trash(hub: Hub) -> None:
    storage = _s3(hub)
    named = storage.put_stream(iter([b"claimed while in the trash"]))
    unnamed = storage.put_stream(iter([b"nobody's"])).sha256
    assert storage.to_trash(named.sha256) and storage.to_trash(unnamed)
    with hub.sessions() as db:
        record_blob(db, sha256=named.sha256, size=named.size)
        db.commit()
    report = fsck(sessions=hub.sessions, storage=storage, places=Places.of(hub.settings))
    assert by_category(report) == {
        "set_aside_blob": {named.sha256, unnamed},
        "stale_blob_row": {named.sha256},  # its bytes are in the trash
    }
    result = gc_s3(sessions=hub.sessions, storage=storage, grace_s=3600, busy_s=0)
    assert result.removed == {"set_aside_blob": 1}
    # the restored one is an orphan again (its row names no file yet), too young to go
    assert result.kept == {"set_aside_blob": 1, "orphan_blob": 1}
    assert storage.exists(named.sha256) and not storage.exists(unnamed)
    assert _trashed(storage) == set()


def test_the_commands_remove_what_a_killed_publication_left(
    hub: Hub, settings: Settings, s3: S3Server, monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:  # fmt: skip
    storage = _s3(hub)
    with hub.sessions() as db:  # blobs stored, rows never committed: the process died
        batch = BlobBatch(db, storage, hub.sessions)
        made = {batch.put_bytes(data).sha256 for data in (b"new rdf.yaml", b"new weights")}
        db.rollback()
    assert made == {sha for sha, _ in storage.blob_times()}
    monkeypatch.setenv("MODELHUB_DATA_DIR", str(settings.data_dir))
    monkeypatch.setenv("MODELHUB_DATABASE_URL", settings.resolved_database_url)
    monkeypatch.setenv("MODELHUB_STORAGE_URL", str(settings.storage_url))
    monkeypatch.setenv("MODELHUB_S3_ENDPOINT_URL", s3.endpoint_url)
    maintenance.gc(grace=0, as_json=True)
    assert json.loads(capsys.readouterr().out)["removed"] == {"orphan_blob": 2}
    with pytest.raises(typer.Exit) as checked:
        maintenance.fsck(verify=False, as_json=True)
    assert checked.value.exit_code == 0
    assert json.loads(capsys.readouterr().out)["clean"] is True
