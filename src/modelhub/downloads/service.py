"""Finding the file or package a download URL names, for a viewer who may see it."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.orm import Session

from modelhub.accounts.models import User
from modelhub.catalog import service as catalog
from modelhub.catalog.models import ResourceVersion, VersionFile
from modelhub.catalog.rdf import SERVED_NAME
from modelhub.errors import ResourceNotFound

# clients ask for the description under either of the field's names
DESCRIPTION_ALIASES = {"bioimageio.yaml": SERVED_NAME}


def find_file(
    db: Session, *, resource_id: str, label: str | None, path: str, viewer: User | None
) -> tuple[ResourceVersion, VersionFile]:
    version = catalog.get_version(db, resource_id=resource_id, label=label, viewer=viewer)
    entry = db.get(VersionFile, (version.id, path))
    if entry is None and path in DESCRIPTION_ALIASES:
        entry = db.get(VersionFile, (version.id, DESCRIPTION_ALIASES[path]))
    if entry is None:
        raise ResourceNotFound(f"Version {version.label} of '{resource_id}' has no file '{path}'.")
    return version, entry


def package_etag(version: ResourceVersion) -> str:
    """The package zip is built deterministically from the files, so their hashes name it."""
    digest = hashlib.sha256(f"{version.id}:{version.label}".encode())
    for entry in version.files:
        digest.update(f"{entry.path}\0{entry.blob_sha256}\0".encode())
    return digest.hexdigest()


@dataclass(frozen=True)
class ZipEntry:
    """One file of a package zip, as plain values: the zip is sent after the request's
    database session has ended."""

    path: str
    blob_sha256: str
    size: int


@dataclass(frozen=True)
class PackagePlan:
    """Everything sending a package zip needs, read before the session ends."""

    etag: str
    stamp: datetime
    entries: tuple[ZipEntry, ...]


def plan_package(version: ResourceVersion) -> PackagePlan:
    """What the zip of ``version`` holds."""
    entries = tuple(ZipEntry(f.path, f.blob_sha256, f.size) for f in version.files)
    return PackagePlan(
        etag=package_etag(version),
        stamp=version.published_at or version.created_at,
        entries=entries,
    )
