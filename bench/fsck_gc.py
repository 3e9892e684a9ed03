"""How long ``fsck`` (with and without ``--verify``) and ``gc`` take, and what they find.

One hub in a temporary directory (SQLite) holds the shared package, uploaded and published
through the services, plus ORPHANS blobs of 4 KiB that no row references (what crashes between
blob writes and commits leave). fsck runs, then gc with no grace period removes the orphans —
each one a guarded DELETE in its own transaction — and fsck runs again.

    python bench/fsck_gc.py [--orphans N]
"""

from __future__ import annotations

import argparse
import os
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import TypeVar

from common import shared_package_zip
from modelhub.accounts import service as accounts
from modelhub.accounts.models import Role, User
from modelhub.app import build_hub
from modelhub.config import Settings
from modelhub.db import transaction, upgrade_database
from modelhub.hub import Hub
from modelhub.maintenance.folders import Places
from modelhub.maintenance.service import fsck, gc
from modelhub.review import service as review
from modelhub.storage.local import LocalStorage
from modelhub.storage.service import committed_blobs
from modelhub.uploads.accept import accept_upload
from modelhub.uploads.receive import staging_area

T = TypeVar("T")


def timed(work: Callable[[], T]) -> tuple[T, float]:
    start = time.perf_counter()
    result = work()
    return result, time.perf_counter() - start


def publish_shared_package(hub: Hub, tmp: Path) -> None:
    with transaction(hub.sessions) as db:
        user = accounts.create_user(db, username="bench", role=Role.admin)
        db.flush()
        user_id = user.id
    with staging_area(hub.settings.staging_dir) as area:
        shared_package_zip(area / "upload.zip")
        rid = accept_upload(
            hub, area=area, uploader_id=user_id, files=None, resource_id=None, change_note=None
        ).resource_id
    with hub.sessions() as db:
        actor = db.get(User, user_id)
        assert actor is not None
        with committed_blobs(db, hub.storage, hub.sessions, purpose="publish") as batch:
            review.publish_now(
                db, hub.storage, resource_id=rid, actor=actor, batch=batch,
                allow_own=hub.settings.allow_self_approval, override_reason="benchmark",
            )  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--orphans", type=int, default=2000)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="modelhub-bench-fsck-") as tmp:
        settings = Settings(
            data_dir=Path(tmp) / "data",
            check_scratch_dir=Path(tmp) / "scratch",
            search_memory=False,
            allow_self_approval=True,  # the benchmark's one user publishes its own upload
        )
        hub = build_hub(settings)
        upgrade_database(settings.resolved_database_url)
        publish_shared_package(hub, Path(tmp))
        storage = hub.storage
        assert isinstance(storage, LocalStorage)
        for _ in range(args.orphans):
            storage.put_stream(iter([os.urandom(4096)]))
        parts = {"sessions": hub.sessions, "storage": storage, "places": Places.of(settings)}
        before, quick_s = timed(lambda: fsck(**parts))  # type: ignore[arg-type]
        _, verify_s = timed(lambda: fsck(**parts, verify=True))  # type: ignore[arg-type]
        removed, gc_s = timed(lambda: gc(**parts, grace_s=0))  # type: ignore[arg-type]
        after, again_s = timed(lambda: fsck(**parts))  # type: ignore[arg-type]
        hub.engine.dispose()
    print(f"blobs in storage: {before.blobs}, blob rows: {before.rows}")
    print(f"fsck:          {quick_s:7.2f} s  found {before.counts}")
    print(f"fsck --verify: {verify_s:7.2f} s  (re-hashes every blob)")
    print(
        f"gc --grace 0:  {gc_s:7.2f} s  removed {dict(removed.removed)} "
        f"({1000 * gc_s / max(1, args.orphans):.2f} ms per orphan)"
    )
    print(f"fsck again:    {again_s:7.2f} s  found {after.counts or 'nothing'}")


if __name__ == "__main__":
    main()
