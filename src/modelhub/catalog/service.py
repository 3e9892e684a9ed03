"""Catalog queries and publication. Services take keyword arguments and never commit."""

from __future__ import annotations

import re

from sqlalchemy import select
from sqlalchemy.orm import Session

from modelhub import events
from modelhub.accounts.models import User
from modelhub.catalog import access
from modelhub.catalog.models import (
    OPEN_STATUSES,
    Resource,
    ResourceTag,
    ResourceVersion,
    VersionStatus,
)
from modelhub.catalog.tags import canonical_tags
from modelhub.db import utcnow
from modelhub.errors import ResourceNotFound
from modelhub.events.types import ListingChanged

_VERSION_LABEL = re.compile(r"^v?(\d{1,9})$")
_REVISION_LABEL = re.compile(r"^r(\d{1,9})$")


def get_resource(db: Session, *, resource_id: str, viewer: User | None) -> Resource:
    """A resource the viewer may see: published ones for everybody, drafts for their people.
    Invisible ones answer 404 like missing ones, so that draft ids do not leak."""
    resource = db.get(Resource, resource_id)
    if resource is None:
        raise ResourceNotFound(f"There is no resource '{resource_id}'.")
    if resource.latest_version is None and not access.can_see_drafts(
        db, resource=resource, user=viewer
    ):
        raise ResourceNotFound(f"There is no resource '{resource_id}'.")
    return resource


def open_draft(db: Session, *, resource_id: str) -> ResourceVersion | None:
    return db.scalar(
        select(ResourceVersion).where(
            ResourceVersion.resource_id == resource_id,
            ResourceVersion.status.in_(OPEN_STATUSES),
        )
    )


def get_version(
    db: Session, *, resource_id: str, label: str | None, viewer: User | None
) -> ResourceVersion:
    """Resolve ``label`` (None/"latest", "v3" or "3", "draft", "r4") to a version the viewer may
    see."""
    resource = get_resource(db, resource_id=resource_id, viewer=viewer)
    label = (label or "latest").strip().lower()
    version: ResourceVersion | None
    if label == "draft":
        if not access.can_see_drafts(db, resource=resource, user=viewer):
            raise ResourceNotFound(f"'{resource_id}' has no draft you can see.")
        version = open_draft(db, resource_id=resource_id)
    elif label == "latest":
        if resource.latest_version is None:
            # only people who can see drafts get here: the draft is all there is
            version = open_draft(db, resource_id=resource_id)
        else:
            version = _published(db, resource_id, resource.latest_version)
    elif match := _VERSION_LABEL.match(label):
        version = _published(db, resource_id, int(match.group(1)))
    elif match := _REVISION_LABEL.match(label):
        # closed revisions (superseded, rejected, withdrawn) for the people who see drafts
        if not access.can_see_drafts(db, resource=resource, user=viewer):
            raise ResourceNotFound(f"'{resource_id}' has no revision '{label}' you can see.")
        version = db.scalar(
            select(ResourceVersion).where(
                ResourceVersion.resource_id == resource_id,
                ResourceVersion.revision == int(match.group(1)),
                ResourceVersion.number.is_(None),
            )
        )
    else:
        raise ResourceNotFound(f"'{label}' is not a version name; use v1, v2, … or 'draft'.")
    if version is None:
        raise ResourceNotFound(f"'{resource_id}' has no version '{label}'.")
    return version


def _published(db: Session, resource_id: str, number: int) -> ResourceVersion | None:
    return db.scalar(
        select(ResourceVersion).where(
            ResourceVersion.resource_id == resource_id, ResourceVersion.number == number
        )
    )


def visible_versions(
    db: Session, *, resource: Resource, viewer: User | None
) -> list[ResourceVersion]:
    """Published versions (newest first), then the open draft for those who may see it."""
    published = list(
        db.scalars(
            select(ResourceVersion)
            .where(
                ResourceVersion.resource_id == resource.id,
                ResourceVersion.status == VersionStatus.published,
            )
            .order_by(ResourceVersion.number.desc())
        )
    )
    if access.can_see_drafts(db, resource=resource, user=viewer):
        draft = open_draft(db, resource_id=resource.id)
        if draft is not None:
            return [draft, *published]
    return published


def tags_of(db: Session, *, resource_id: str) -> list[str]:
    return list(
        db.scalars(
            select(ResourceTag.tag)
            .where(ResourceTag.resource_id == resource_id)
            .order_by(ResourceTag.tag)
        )
    )


def set_listing(db: Session, *, resource: Resource, version: ResourceVersion) -> None:
    """Make the resource's listing fields (name, tags, …) those of ``version``."""
    resource.name = version.name
    resource.description = version.description
    resource.license = version.license
    resource.updated_at = version.published_at or version.created_at or utcnow()
    # the listing holds canonical tags (synonyms merged); the version keeps its own words
    wanted = set(canonical_tags(version.tags))
    resource.tags = [ResourceTag(resource_id=resource.id, tag=t) for t in sorted(wanted)]
    # the search index follows the listing after the commit (subscribed at the root)
    events.record(db, ListingChanged(resource_id=resource.id))


def refresh_latest(db: Session, *, resource: Resource) -> None:
    """Point "latest" at the newest published version that is not yanked (the newest one when
    all are), and make the listing follow it."""
    published = list(
        db.scalars(
            select(ResourceVersion)
            .where(
                ResourceVersion.resource_id == resource.id,
                ResourceVersion.status == VersionStatus.published,
            )
            .order_by(ResourceVersion.number.desc())
        )
    )
    if not published:
        return
    chosen = next((v for v in published if v.yanked_at is None), published[0])
    resource.latest_version = chosen.number
    set_listing(db, resource=resource, version=chosen)


def version_by_id(db: Session, *, version_id: int, viewer: User | None) -> ResourceVersion | None:
    """A version row if the viewer may see it (published, or a draft of their resource)."""
    version = db.get(ResourceVersion, version_id)
    if version is None:
        return None
    if version.status == VersionStatus.published:
        return version
    resource = db.get(Resource, version.resource_id)
    if resource is not None and access.can_see_drafts(db, resource=resource, user=viewer):
        return version
    return None
