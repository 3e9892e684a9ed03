"""Demo content for ``modelhub serve --demo``: small example resources the hub builds itself,
uploaded and published through the same services as any upload. Runs once per data directory."""

from __future__ import annotations

import tempfile
from pathlib import Path

from sqlalchemy import select

from modelhub.accounts import service as accounts
from modelhub.accounts.models import Role, User
from modelhub.catalog.models import ResourceVersion
from modelhub.demo.builder import KINDS, build_package
from modelhub.hub import Hub
from modelhub.review import service as review
from modelhub.storage.service import committed_blobs
from modelhub.uploads import service as uploads
from modelhub.uploads.archive import UnpackLimits, scan_directory
from modelhub.uploads.validation import validate_package

DEMO_USER = "modelhub-examples"


def seed_demo(hub: Hub) -> int:
    """Build, upload and publish one example of each kind unless they exist; returns how many
    were added."""
    with hub.sessions() as db:
        user = db.scalar(select(User).where(User.username == DEMO_USER))
        if user is not None and db.scalar(
            select(ResourceVersion.id).where(ResourceVersion.uploader_id == user.id).limit(1)
        ):
            return 0
        if user is None:
            user = accounts.create_user(db, username=DEMO_USER, role=Role.admin)
            db.commit()
    added = 0
    with tempfile.TemporaryDirectory(prefix="modelhub-demo-") as tmp:
        for index, kind in enumerate(KINDS):
            built = build_package(kind, Path(tmp) / f"src-{index}", seed=index)
            publish_folder(hub, user.id, built.root, Path(tmp) / f"pkg-{index}")
            added += 1
    return added


def publish_folder(hub: Hub, uploader_id: int, root: Path, staged: Path) -> str:
    """Upload the package folder ``root`` as ``uploader_id`` (staging its files in ``staged``,
    which must not exist) and publish it at once; returns the resource id. The seeding above
    and tests with content of their own go through here."""
    staged.mkdir()
    limits = UnpackLimits(2**34, 2**34, 1000)
    pkg = validate_package(staged, scan_directory(root, staged, limits))
    with (
        hub.sessions() as db,
        committed_blobs(db, hub.storage, hub.sessions, purpose="demo") as batch,
    ):
        uploader = db.get(User, uploader_id)
        if uploader is None:
            raise RuntimeError(f"the demo user {uploader_id} disappeared while seeding")
        version = uploads.ingest(
            db, batch=batch, pkg=pkg, uploader=uploader, change_note="Example content"
        )
        # the check runs in the background; examples built here need no wait
        review.publish_now(
            db,
            hub.storage,
            resource_id=version.resource_id,
            actor=uploader,
            batch=batch,
            # no person uploaded these: the hub builds and publishes them itself
            allow_own=True,
            override_reason="Example content built by the hub itself.",
        )
        resource_id: str = version.resource_id
    return resource_id
