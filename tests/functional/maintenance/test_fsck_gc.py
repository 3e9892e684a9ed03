"""fsck finds each kind of damage under its exact category; gc removes the leftovers and never
a blob a row needs — also when an upload reuses an orphan's bytes while gc decides."""

from __future__ import annotations

import os
import time
from pathlib import Path

from sqlalchemy import select

from modelhub.catalog.models import ResourceVersion, VersionFile
from modelhub.hub import Hub
from modelhub.maintenance.findings import EXIT_CLEAN, EXIT_GARBAGE, EXIT_LOST, Category
from modelhub.maintenance.service import _remove
from modelhub.storage.models import Blob
from tests.functional.maintenance.common import (
    by_category,
    folder_of_killed_process,
    package_zip,
    publish,
    run_fsck,
    run_gc,
    storage_of,
    upload,
    uploaded_files,
)

DAY = 86400


def _age_everything(root: Path, seconds: float) -> None:
    past = time.time() - seconds
    for path in root.rglob("*"):
        os.utime(path, (past, past))


def test_publication_leaves_one_orphan_that_gc_removes_after_its_grace(
    hub: Hub, admin_id: int, tmp_path: Path
) -> None:
    rid = upload(hub, user_id=admin_id, archive=package_zip(tmp_path, 1))
    with hub.sessions() as db:
        draft_rdf = db.scalar(select(ResourceVersion.rdf_sha256))
    assert draft_rdf is not None
    assert run_fsck(hub).exit_code == EXIT_CLEAN
    publish(hub, user_id=admin_id, resource_id=rid)
    report = run_fsck(hub)
    # the draft's served rdf.yaml was replaced by the one naming v1
    assert by_category(report) == {"orphan_blob": {draft_rdf}}
    assert report.exit_code == EXIT_GARBAGE
    young = run_gc(hub, grace_s=3600)
    assert (dict(young.removed), dict(young.kept)) == ({}, {"orphan_blob": 1})
    done = run_gc(hub, grace_s=0)
    assert (dict(done.removed), dict(done.kept)) == ({"orphan_blob": 1}, {})
    assert not storage_of(hub).exists(draft_rdf)
    with hub.sessions() as db:
        assert db.get(Blob, draft_rdf) is None
    assert run_fsck(hub, verify=True).exit_code == EXIT_CLEAN


def test_gc_never_removes_a_referenced_blob(hub: Hub, admin_id: int, tmp_path: Path) -> None:
    for seed in (1, 2):
        rid = upload(hub, user_id=admin_id, archive=package_zip(tmp_path, seed))
    publish(hub, user_id=admin_id, resource_id=rid)
    storage = storage_of(hub)
    _age_everything(storage.root, 2 * DAY)  # every blob far older than any grace
    with hub.sessions() as db:
        needed = set(db.scalars(select(VersionFile.blob_sha256)))
        rows_before = set(db.scalars(select(Blob.sha256)))
    result = run_gc(hub, grace_s=0)
    assert dict(result.removed) == {"orphan_blob": 1}  # the replaced draft rdf.yaml only
    assert {sha for sha, _ in storage.blob_files()} == needed
    with hub.sessions() as db:
        assert set(db.scalars(select(Blob.sha256))) == needed
    assert len(rows_before - needed) == 1


def test_each_kind_of_damage_has_its_category(hub: Hub, admin_id: int, tmp_path: Path) -> None:
    rid = upload(hub, user_id=admin_id, archive=package_zip(tmp_path, 1))
    publish(hub, user_id=admin_id, resource_id=rid)
    run_gc(hub, grace_s=0)
    storage = storage_of(hub)
    files = uploaded_files(hub)  # path -> sha256 of the published version
    orphan = storage.put_stream(iter([b"bytes no row knows"])).sha256
    stale_row = "f" * 64
    with hub.sessions() as db:
        db.add(Blob(sha256=stale_row, size=3))
        db.commit()
    missing, shorter, corrupt = files["image_0.npy"], files["image_1.npy"], files["image_2.npy"]
    storage.delete(missing)
    for sha, change in ((shorter, b"short"), (corrupt, None)):
        path = storage.local_path(sha)
        assert path is not None
        data = path.read_bytes()
        os.chmod(path, 0o644)
        path.write_bytes(change if change is not None else bytes([data[0] ^ 1]) + data[1:])
    temporary = storage.root / ".tmp" / "blob-half-written"
    temporary.write_bytes(b"half")
    staging = hub.settings.staging_dir
    dead_upload = folder_of_killed_process(staging, "upload-")
    expired = staging / ("hypha-" + "a" * 32)
    expired.mkdir()
    (expired / "state.json").write_text("{}")
    os.utime(expired, (time.time() - 7 * 3600,) * 2)
    scratch = tmp_path / "scratch"
    dead_check = folder_of_killed_process(scratch, "check-")
    dead_package = folder_of_killed_process(scratch, "pkg-7-")

    quick = run_fsck(hub)
    expected = {
        "orphan_blob": {orphan},
        "stale_blob_row": {stale_row},
        "missing_blob": {missing},
        "size_mismatch": {shorter},
        "temporary_file": {str(temporary)},
        "stale_upload": {str(dead_upload)},
        "expired_staging": {str(expired)},
        "leftover_scratch": {str(dead_check), str(dead_package)},
    }
    assert by_category(quick) == expected
    assert quick.exit_code == EXIT_LOST
    assert by_category(run_fsck(hub, verify=True)) == {**expected, "corrupt_blob": {corrupt}}

    result = run_gc(hub, grace_s=0)
    assert dict(result.removed) == {
        "orphan_blob": 1, "stale_blob_row": 1, "temporary_file": 1, "stale_upload": 1,
        "expired_staging": 1, "leftover_scratch": 2,
    }  # fmt: skip
    assert result.lost == 2  # gc leaves damage alone: a backup has the bytes
    after = run_fsck(hub, verify=True)
    assert by_category(after) == {
        "missing_blob": {missing}, "size_mismatch": {shorter}, "corrupt_blob": {corrupt},
    }  # fmt: skip
    assert not (dead_upload.exists() or expired.exists() or dead_check.exists())
    assert not temporary.exists() and not storage.exists(orphan)


def test_live_folders_and_young_leftovers_stay(hub: Hub, admin_id: int, tmp_path: Path) -> None:
    from modelhub.owned import make_owned_dir

    held = make_owned_dir(hub.settings.staging_dir, prefix="upload-")
    check = make_owned_dir(tmp_path / "scratch", prefix="check-")
    young = hub.settings.staging_dir / ("wizard-" + "b" * 32)
    young.mkdir()
    (storage_of(hub).root / ".tmp" / "blob-being-written").write_bytes(b"x")
    report = run_fsck(hub)
    assert by_category(report) == {
        "temporary_file": {str(storage_of(hub).root / ".tmp" / "blob-being-written")}
    }
    result = run_gc(hub, grace_s=3600)
    assert (dict(result.removed), dict(result.kept)) == ({}, {"temporary_file": 1})
    assert held.path.is_dir() and check.path.is_dir() and young.is_dir()
    held.release()
    check.release()


def test_an_upload_reusing_an_orphan_while_gc_decides_keeps_it(
    hub: Hub, admin_id: int, tmp_path: Path
) -> None:
    """A crash left a blob without rows; gc decided (its scan) that it is an orphan; before gc
    removes it, an upload with the same bytes commits (de-duplication: no new write, the
    upload relies on the orphan). The blob must stay."""
    archive = package_zip(tmp_path, 3)
    storage = storage_of(hub)
    crashed = storage.put_file(tmp_path / "src-3" / "image_0.npy").sha256
    _age_everything(storage.root, 2 * DAY)
    decided = {f.subject: f for f in run_fsck(hub).findings}[crashed]
    assert decided.category is Category.orphan_blob
    upload(hub, user_id=admin_id, archive=archive)
    assert uploaded_files(hub)["image_0.npy"] == crashed
    assert not _remove(decided, sessions=hub.sessions, storage=storage, cutoff=time.time())
    assert storage.exists(crashed)
    assert run_fsck(hub, verify=True).exit_code == EXIT_CLEAN
    assert run_gc(hub, grace_s=0).removed == {}


def test_a_reference_committed_after_the_move_is_caught_by_the_database(
    hub: Hub, admin_id: int, tmp_path: Path
) -> None:
    """The mtime guard aside, the conditional DELETE alone refuses to forget a blob a row
    references, and the bytes go back to their place."""
    upload(hub, user_id=admin_id, archive=package_zip(tmp_path, 4))
    sha = uploaded_files(hub)["image_0.npy"]
    storage = storage_of(hub)
    path = storage.local_path(sha)
    assert path is not None
    seen = path.stat().st_mtime_ns
    from modelhub.maintenance.blobs import forget_blob

    kept = storage.remove_unless_claimed(
        sha, seen_mtime_ns=seen, still_unused=lambda: forget_blob(hub.sessions, sha)
    )
    assert not kept and storage.exists(sha) and path.stat().st_mtime_ns == seen
    with hub.sessions() as db:
        assert db.get(Blob, sha) is not None
    assert list(storage.set_aside(older_than_s=-1)) == []
