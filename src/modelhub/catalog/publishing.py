"""Publication: the approved revision becomes the next immutable version vN.

Only ``review.service.approve`` calls this, after the guarded state change, so that the
lifecycle lives in one place."""

from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from modelhub import events
from modelhub.accounts.models import User
from modelhub.catalog import service
from modelhub.catalog.models import Resource, ResourceVersion, VersionFile
from modelhub.catalog.rdf import SERVED_NAME, render_description
from modelhub.db import utcnow
from modelhub.errors import Conflict
from modelhub.events.types import VersionPublished
from modelhub.storage.base import Storage
from modelhub.storage.service import BlobBatch


def next_number(db: Session, *, resource_id: str) -> int:
    """The number the next published version of ``resource_id`` gets (v1, v2, …)."""
    highest = db.scalar(
        select(func.max(ResourceVersion.number)).where(ResourceVersion.resource_id == resource_id)
    )
    return (highest or 0) + 1


def finish_publication(
    db: Session,
    storage: Storage,
    *,
    version: ResourceVersion,
    publisher: User,
    batch: BlobBatch,
    change_note: str | None = None,
) -> ResourceVersion:
    """Complete a version whose row was just moved to published with its number: its served
    rdf.yaml names the version, and the resource lists it as its latest. Never commits."""
    db.refresh(version)
    if version.number is None:
        raise RuntimeError("finish_publication needs a version that has its number")
    _rewrite_description(db, storage, version=version, batch=batch)
    now = utcnow()
    version.published_at = now
    version.published_by_id = publisher.id
    if change_note:
        version.change_note = change_note
    resource = db.get(Resource, version.resource_id)
    if resource is None:  # pragma: no cover - the foreign key makes this impossible
        raise RuntimeError("a version without its resource")
    resource.latest_version = version.number
    if resource.published_at is None:
        resource.published_at = now
    service.set_listing(db, resource=resource, version=version)
    events.record(
        db,
        VersionPublished(
            resource_id=resource.id,
            version_id=version.id,
            number=version.number,
            publisher_id=publisher.id,
        ),
    )
    return version


def _rewrite_description(
    db: Session, storage: Storage, *, version: ResourceVersion, batch: BlobBatch
) -> None:
    """The published rdf.yaml names its version; everything else stays byte-identical."""
    entry = db.get(VersionFile, (version.id, SERVED_NAME))
    if entry is None:
        raise Conflict("This revision has no description file.", code="no_description")
    with storage.open(entry.blob_sha256) as src:
        original = src.read()
    rendered = render_description(original, resource_id=version.resource_id, version=version.number)
    blob = batch.put_bytes(rendered)
    entry.blob_sha256 = blob.sha256
    entry.size = blob.size
    version.rdf_sha256 = blob.sha256
