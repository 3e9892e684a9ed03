"""Publication: an admin turns the open draft into the next immutable version vN."""

from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from modelhub.accounts.models import User
from modelhub.catalog import service
from modelhub.catalog.models import Resource, ResourceVersion, VersionFile
from modelhub.catalog.rdf import SERVED_NAME, render_description
from modelhub.db import utcnow
from modelhub.errors import Conflict
from modelhub.storage.base import Storage
from modelhub.storage.service import BlobBatch


def publish(
    db: Session,
    storage: Storage,
    *,
    resource_id: str,
    actor: User | None,
    change_note: str | None = None,
    batch: BlobBatch | None = None,
) -> ResourceVersion:
    """Publish the open draft of ``resource_id`` as its next version (admin only)."""
    publisher = service.check_publisher(actor)
    resource = service.get_resource(db, resource_id=resource_id, viewer=publisher)
    draft = service.open_draft(db, resource_id=resource_id)
    if draft is None:
        raise Conflict(f"'{resource_id}' has no draft to publish.", code="no_draft")
    number = (
        db.scalar(
            select(func.max(ResourceVersion.number)).where(
                ResourceVersion.resource_id == resource_id
            )
        )
        or 0
    ) + 1
    try:
        service.claim_draft_for_publication(db, draft=draft, number=number)
    except IntegrityError as exc:
        raise Conflict(
            f"Version v{number} of '{resource_id}' was just published by someone else.",
            code="draft_changed",
        ) from exc
    _rewrite_description(db, storage, draft=draft, batch=batch or BlobBatch(db, storage))
    now = utcnow()
    draft.published_at = now
    draft.published_by_id = publisher.id
    if change_note:
        draft.change_note = change_note
    _update_resource(resource, draft, now)
    service.set_listing(db, resource=resource, version=draft)
    db.flush()
    return draft


def _rewrite_description(
    db: Session, storage: Storage, *, draft: ResourceVersion, batch: BlobBatch
) -> None:
    """The published rdf.yaml names its version; everything else stays byte-identical."""
    entry = db.get(VersionFile, (draft.id, SERVED_NAME))
    if entry is None:
        raise Conflict("This draft has no description file.", code="no_description")
    with storage.open(entry.blob_sha256) as src:
        original = src.read()
    rendered = render_description(original, resource_id=draft.resource_id, version=draft.number)
    blob = batch.put_bytes(rendered)
    entry.blob_sha256 = blob.sha256
    entry.size = blob.size
    draft.rdf_sha256 = blob.sha256


def _update_resource(resource: Resource, version: ResourceVersion, now: object) -> None:
    resource.latest_version = version.number
    if resource.published_at is None:
        resource.published_at = version.published_at
