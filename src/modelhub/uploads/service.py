"""Turning a validated package into a draft revision: blobs stored, rows written (no commit)."""

from __future__ import annotations

import json
from typing import Any

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from modelhub.accounts.models import User
from modelhub.catalog import access, service
from modelhub.catalog.models import (
    OPEN_STATUSES,
    Resource,
    ResourceMaintainer,
    ResourceType,
    ResourceVersion,
    VersionFile,
    VersionStatus,
)
from modelhub.catalog.nicknames import generate_nickname
from modelhub.catalog.rdf import SERVED_NAME, render_description
from modelhub.checks.service import queue_check
from modelhub.db import utcnow
from modelhub.errors import ErrorDetail, Forbidden, ResourceNotFound, UploadRefused
from modelhub.storage.media import media_type_for
from modelhub.storage.service import BlobBatch
from modelhub.uploads.identical import fingerprint, refuse_identical
from modelhub.uploads.validation import ValidatedPackage


def ingest(
    db: Session,
    *,
    batch: BlobBatch,
    pkg: ValidatedPackage,
    uploader: User,
    resource_id: str | None = None,
    change_note: str | None = None,
) -> ResourceVersion:
    """Store an accepted package as the new draft revision of a new or existing resource.

    The target is ``resource_id`` when given, else the resource named by the description's ``id``
    when it exists here (re-uploading a downloaded package), else a new resource. A package
    the hub holds already (published, or an open revision) is refused, nothing stored."""
    rdf = _jsonable(pkg.raw)
    content = fingerprint(
        rdf, [(f.path, f.sha256) for f in pkg.files if f.path != pkg.description_file]
    )
    existing = _target(db, pkg=pkg, uploader=uploader, resource_id=resource_id)
    refuse_identical(db, content_fingerprint=content, uploader=uploader)
    resource = existing or _new_resource(db, pkg=pkg, uploader=uploader)
    db.execute(
        update(ResourceVersion)
        .where(
            ResourceVersion.resource_id == resource.id,
            ResourceVersion.status.in_(OPEN_STATUSES),
        )
        .values(status=VersionStatus.superseded)
        .execution_options(synchronize_session="fetch")
    )
    revision = (
        db.scalar(
            select(func.max(ResourceVersion.revision)).where(
                ResourceVersion.resource_id == resource.id
            )
        )
        or 0
    ) + 1
    original = (pkg.root / pkg.description_file).read_bytes()
    served = batch.put_bytes(render_description(original, resource_id=resource.id, version=None))
    version = ResourceVersion(
        resource_id=resource.id,
        revision=revision,
        status=VersionStatus.draft,
        format_version=pkg.format_version,
        name=pkg.name,
        description=pkg.description,
        license=pkg.license,
        tags=list(pkg.tags),
        authors=_jsonable(pkg.authors),
        rdf=rdf,
        rdf_sha256=served.sha256,
        content_fingerprint=content,
        validation=pkg.summary,
        change_note=change_note,
        uploader_id=uploader.id,
        created_at=utcnow(),
    )
    version.files = [
        VersionFile(
            path=SERVED_NAME,
            blob_sha256=served.sha256,
            size=served.size,
            media_type=media_type_for(SERVED_NAME),
        )
    ]
    for entry in pkg.files:
        if entry.path == pkg.description_file:
            continue
        # the staged file was hashed while unpacking and is not needed afterwards
        stored = batch.put_file(pkg.root / entry.path, sha256=entry.sha256, move=True)
        version.files.append(
            VersionFile(
                path=entry.path,
                blob_sha256=stored.sha256,
                size=stored.size,
                media_type=media_type_for(entry.path),
            )
        )
    db.add(version)
    if resource.latest_version is None:
        # until something is published, the listing (seen by its people only) shows the draft
        service.set_listing(db, resource=resource, version=version)
    db.flush()
    # every upload is checked; the job commits with the upload and runs only after it
    queue_check(db, version=version, trigger="upload", requested_by=uploader)
    return version


def _target(
    db: Session, *, pkg: ValidatedPackage, uploader: User, resource_id: str | None
) -> Resource | None:
    """The existing resource to add a revision to; None for a new one."""
    if resource_id is None and pkg.declared_id:
        declared = db.get(Resource, pkg.declared_id)
        # a draft the uploader cannot see counts as absent: a new resource, as for an unknown id
        if declared is not None and _visible(db, resource=declared, uploader=uploader):
            resource_id = pkg.declared_id
    if resource_id is None:
        return None
    resource = db.get(Resource, resource_id)
    if resource is None or not _visible(db, resource=resource, uploader=uploader):
        # one answer for "no such id" and "someone's draft": the draft's id stays unknown
        raise ResourceNotFound(f"There is no resource '{resource_id}' to add a version to.")
    if resource.partner_id is not None:
        raise Forbidden(
            f"'{resource.id}' comes from the collection of the community partner "
            f"'{resource.partner_id}': its versions change there, not by upload.",
            code="partner_resource",
        )
    if not access.can_upload_to(db, resource=resource, user=uploader):
        raise Forbidden(
            f"Only the maintainers of '{resource.id}' can upload new versions of it. "
            "To share your own variant, remove the 'id' line from the description and upload it "
            "as a new resource."
        )
    if resource.type.value != pkg.type:
        raise UploadRefused(
            f"'{resource.id}' is a {resource.type.value}, but this package describes a {pkg.type}.",
            [ErrorDetail(("type",), f"must be '{resource.type.value}' for this resource")],
            code="type_mismatch",
        )
    return resource


def _visible(db: Session, *, resource: Resource, uploader: User) -> bool:
    return resource.latest_version is not None or access.can_see_drafts(
        db, resource=resource, user=uploader
    )


def _new_resource(db: Session, *, pkg: ValidatedPackage, uploader: User) -> Resource:
    nickname, emoji = generate_nickname(
        pkg.type, is_taken=lambda candidate: db.get(Resource, candidate) is not None
    )
    resource = Resource(
        id=nickname,
        emoji=emoji,
        type=ResourceType(pkg.type),
        name=pkg.name,
        description=pkg.description,
        license=pkg.license,
        created_by_id=uploader.id,
    )
    db.add(resource)
    db.add(ResourceMaintainer(resource_id=nickname, user_id=uploader.id))
    db.flush()
    return resource


def _jsonable(data: Any) -> Any:
    """YAML gives dates and other non-JSON scalars; store them as their text."""
    return json.loads(json.dumps(data, default=str))
