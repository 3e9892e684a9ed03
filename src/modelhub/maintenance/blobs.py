"""Blobs against the rows that need them: what fsck finds, and gc's guarded removal.

Rows that reference blobs (keep ``REFERENCES`` complete when a table gains one; a test fails
when a mapped column named ``*sha256`` is neither listed there nor ``blobs.sha256``):
``version_files.blob_sha256`` (every file of every revision, the served rdf.yaml included) and
``resource_versions.rdf_sha256``; ``partner_images.blob_sha256`` (a partner's logo, icon and
background image). ``blobs`` records each stored content once; staged uploads
and wizard fixes hold no blobs (their files live in the staging area).

The database is read before the storage is listed: a blob committed in between then shows as
a young orphan (which gc leaves alone for its grace period), never as a missing blob.
"""

from __future__ import annotations

import hashlib
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime

from sqlalchemy import ColumnElement, delete, exists, select
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session, sessionmaker

from modelhub.catalog.models import ResourceVersion, VersionFile
from modelhub.maintenance.findings import Category, Finding
from modelhub.maintenance.listing import Listed
from modelhub.partners.models import PartnerImage
from modelhub.storage.base import Storage
from modelhub.storage.models import Blob

REFERENCES = (VersionFile.blob_sha256, ResourceVersion.rdf_sha256, PartnerImage.blob_sha256)
_SHOWN = 3  # rows named per missing blob


@dataclass
class BlobRows:
    """What the database says about blobs."""

    rows: dict[str, int] = field(default_factory=dict)  # blobs: sha256 -> size
    needed: dict[str, list[str]] = field(default_factory=dict)  # sha256 -> rows needing it
    sizes: dict[str, set[int]] = field(default_factory=dict)  # version_files' sizes


def read_rows(db: Session) -> BlobRows:
    found = BlobRows(rows={sha: size for sha, size in db.execute(select(Blob.sha256, Blob.size))})
    files = select(
        VersionFile.blob_sha256, VersionFile.size, ResourceVersion.resource_id,
        ResourceVersion.revision, VersionFile.path,
    ).join(ResourceVersion, ResourceVersion.id == VersionFile.version_id)  # fmt: skip
    for sha, size, resource_id, revision, path in db.execute(files):
        found.sizes.setdefault(sha, set()).add(size)
        found.needed.setdefault(sha, []).append(f"{resource_id} r{revision} {path}")
    rdfs = select(ResourceVersion.rdf_sha256, ResourceVersion.resource_id, ResourceVersion.revision)
    for sha, resource_id, revision in db.execute(rdfs):
        found.needed.setdefault(sha, []).append(f"{resource_id} r{revision} (rdf_sha256)")
    images = select(PartnerImage.blob_sha256, PartnerImage.size, PartnerImage.partner_id,
                    PartnerImage.field)  # fmt: skip
    for sha, size, partner_id, name in db.execute(images):
        found.sizes.setdefault(sha, set()).add(size)
        found.needed.setdefault(sha, []).append(f"partner {partner_id} {name}")
    return found


def blob_findings(
    rows: BlobRows, files: dict[str, Listed], *, storage: Storage, verify: bool
) -> Iterator[Finding]:
    now = time.time()
    for sha, stat in files.items():
        age = now - stat.mtime
        if sha not in rows.needed:
            known = "recorded in blobs" if sha in rows.rows else "no blobs row"
            yield Finding(
                Category.orphan_blob, sha, f"{stat.size} bytes no row references ({known})",
                age, stat.mtime_ns,
            )  # fmt: skip
            continue
        expected = rows.sizes.get(sha, set()) | ({rows.rows[sha]} if sha in rows.rows else set())
        if expected - {stat.size}:
            yield Finding(
                Category.size_mismatch, sha,
                f"{stat.size} bytes in storage, rows say {sorted(expected)}", age,
            )  # fmt: skip
        elif verify and _digest(storage, sha) != sha:
            yield Finding(Category.corrupt_blob, sha, "the bytes do not hash to this name", age)
    for sha, where in rows.needed.items():
        if sha not in files:
            more = f" and {len(where) - _SHOWN} more" if len(where) > _SHOWN else ""
            yield Finding(
                Category.missing_blob, sha, "needed by " + "; ".join(where[:_SHOWN]) + more
            )
    for sha in rows.rows.keys() - rows.needed.keys() - files.keys():
        yield Finding(Category.stale_blob_row, sha, "a blobs row without bytes or references")


def _digest(storage: Storage, sha: str) -> str:
    digest = hashlib.sha256()
    with storage.open(sha) as src:
        while chunk := src.read(1024 * 1024):
            digest.update(chunk)
    return digest.hexdigest()


def _unreferenced(sha: str) -> list[ColumnElement[bool]]:
    return [~exists().where(column == sha) for column in REFERENCES]


def forget_blob(sessions: sessionmaker[Session], sha: str) -> bool:
    """Delete the ``blobs`` row of ``sha`` unless a row references it, in one transaction;
    True when nothing references it afterwards (the bytes may go).

    The conditional DELETE is the guard against an upload that commits a reference to the same
    content meanwhile: if that upload committed first, the NOT EXISTS sees its row; if it is
    still open, its foreign key holds the ``blobs`` row (PostgreSQL makes our DELETE wait, then
    fail on the foreign key; SQLite has one writer at a time) — and if we commit first, its
    commit fails on the foreign key and the upload answers "upload again". No interleaving
    leaves a row pointing at deleted bytes."""
    with sessions() as db:
        try:
            gone = db.execute(delete(Blob).where(Blob.sha256 == sha, *_unreferenced(sha)))
            # no row deleted: there was none (bytes a crash left), or a reference holds it
            if not getattr(gone, "rowcount", 0) and any(
                db.scalar(select(exists().where(c == sha))) for c in REFERENCES
            ):
                db.rollback()
                return False
            db.commit()
        except DBAPIError:  # a foreign key caught a reference committed meanwhile, a deadlock…
            db.rollback()
            return False
    return True


def forget_stale_row(sessions: sessionmaker[Session], sha: str, *, older_than: float) -> bool:
    """Delete a ``blobs`` row without bytes or references, older than ``older_than`` (epoch)."""
    cutoff = datetime.fromtimestamp(older_than, UTC)
    with sessions() as db:
        try:
            done = db.execute(
                delete(Blob).where(
                    Blob.sha256 == sha, Blob.created_at < cutoff, *_unreferenced(sha)
                )
            )
            db.commit()
        except DBAPIError:
            db.rollback()
            return False
    return bool(getattr(done, "rowcount", 0))
