"""Helpers for the fsck/gc tests: real uploads and publications through the services, and a
real process that holds a working folder until it is killed."""

from __future__ import annotations

import shutil
import signal
import subprocess
import sys
from pathlib import Path

from modelhub.accounts.models import User
from modelhub.demo.builder import build_package, zip_package
from modelhub.hub import Hub
from modelhub.maintenance.findings import Report
from modelhub.maintenance.folders import Places
from modelhub.maintenance.service import GcResult, fsck, gc
from modelhub.review import service as review
from modelhub.storage.local import LocalStorage
from modelhub.storage.service import committed_blobs
from modelhub.uploads.accept import accept_upload
from modelhub.uploads.receive import staging_area


def package_zip(tmp: Path, seed: int) -> Path:
    built = build_package("dataset-0.5", tmp / f"src-{seed}", seed=seed)
    return zip_package(built, tmp / f"pkg-{seed}.zip")


def upload(hub: Hub, *, user_id: int, archive: Path) -> str:
    with staging_area(hub.settings.staging_dir) as area:
        shutil.copyfile(archive, area / "upload.zip")
        result = accept_upload(
            hub, area=area, uploader_id=user_id, files=None, resource_id=None, change_note=None
        )
    return result.resource_id


def publish(hub: Hub, *, user_id: int, resource_id: str) -> None:
    with hub.sessions() as db:
        actor = db.get(User, user_id)
        assert actor is not None
        with committed_blobs(db, hub.storage, hub.sessions, purpose="publish") as batch:
            review.publish_now(
                db, hub.storage, resource_id=resource_id, actor=actor, batch=batch,
                allow_own=hub.settings.allow_self_approval, override_reason="not part of this test",
            )  # fmt: skip


def storage_of(hub: Hub) -> LocalStorage:
    assert isinstance(hub.storage, LocalStorage)
    return hub.storage


def run_fsck(hub: Hub, *, verify: bool = False) -> Report:
    return fsck(
        sessions=hub.sessions, storage=storage_of(hub), places=Places.of(hub.settings),
        verify=verify,
    )  # fmt: skip


def run_gc(hub: Hub, *, grace_s: float) -> GcResult:
    return gc(
        sessions=hub.sessions, storage=storage_of(hub), places=Places.of(hub.settings),
        grace_s=grace_s,
    )  # fmt: skip


def by_category(report: Report) -> dict[str, set[str]]:
    found: dict[str, set[str]] = {}
    for finding in report.findings:
        found.setdefault(finding.category.value, set()).add(finding.subject)
    return found


_HOLDER = (
    "import sys, pathlib, threading\n"
    "from modelhub.owned import make_owned_dir\n"
    "held = make_owned_dir(pathlib.Path(sys.argv[1]), prefix=sys.argv[2])\n"
    "print(held.path, flush=True)\n"
    "threading.Event().wait()\n"
)


def folder_of_killed_process(parent: Path, prefix: str) -> Path:
    """A working folder made by a real process that is then killed with SIGKILL."""
    with subprocess.Popen(
        [sys.executable, "-c", _HOLDER, str(parent), prefix], stdout=subprocess.PIPE, text=True
    ) as proc:
        try:
            assert proc.stdout is not None
            path = Path(proc.stdout.readline().strip())
        finally:
            proc.send_signal(signal.SIGKILL)
            proc.wait(timeout=30)
    assert path.is_dir()
    return path


def uploaded_files(hub: Hub) -> dict[str, str]:
    """path -> blob sha256 of the newest revision."""
    from sqlalchemy import func, select

    from modelhub.catalog.models import ResourceVersion, VersionFile

    with hub.sessions() as db:
        newest = db.scalar(select(func.max(ResourceVersion.id)))
        rows = db.execute(
            select(VersionFile.path, VersionFile.blob_sha256).where(
                VersionFile.version_id == newest
            )
        )
        return {path: sha for path, sha in rows}
