"""JSON routes of the catalog: find, read, publish."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Query

from modelhub.catalog import publishing, service, views
from modelhub.catalog.models import ResourceType
from modelhub.catalog.schemas import (
    PublishRequest,
    ResourcePage,
    ResourceRead,
    SearchQuery,
    SortKey,
    VersionRead,
    VersionSummary,
)
from modelhub.deps import AdminUser, DbSession, HubDep, OptionalUser
from modelhub.storage.service import BlobBatch

router = APIRouter(prefix="/api/v1/resources", tags=["resources"])


def search_query(
    q: Annotated[str | None, Query(max_length=200, description="Words to look for")] = None,
    type: Annotated[ResourceType | None, Query(description="Resource type")] = None,
    tags: Annotated[
        list[str] | None, Query(description="Tags; all must match. Repeat or comma-separate.")
    ] = None,
    sort: SortKey = "relevance",
    page: Annotated[int, Query(ge=1, le=10_000)] = 1,
    per_page: Annotated[int, Query(ge=1, le=100)] = 20,
) -> SearchQuery:
    split = [t for raw in tags or [] for t in raw.split(",") if t.strip()]
    return SearchQuery(q=q, type=type, tags=split, sort=sort, page=page, per_page=per_page)


@router.get("")
def list_resources(
    hub: HubDep, db: DbSession, query: Annotated[SearchQuery, Depends(search_query)]
) -> ResourcePage:
    """Published resources, filtered by text, type and tags (all given tags must match)."""
    return views.resource_page(db, query, views.Links(hub.settings.public_base))


@router.get("/{resource_id}")
def get_resource(resource_id: str, hub: HubDep, db: DbSession, user: OptionalUser) -> ResourceRead:
    """One resource with its versions (drafts only for those who may see them)."""
    resource = service.get_resource(db, resource_id=resource_id, viewer=user)
    return views.resource_read(
        db, resource, views.Links(hub.settings.public_base), viewer=user, with_versions=True
    )


@router.get("/{resource_id}/versions")
def list_versions(resource_id: str, db: DbSession, user: OptionalUser) -> list[VersionSummary]:
    """Published versions, newest first, and the open draft for its people."""
    resource = service.get_resource(db, resource_id=resource_id, viewer=user)
    return [
        views.version_summary(v)
        for v in service.visible_versions(db, resource=resource, viewer=user)
    ]


@router.get("/{resource_id}/versions/{label}")
def get_version(
    resource_id: str, label: str, hub: HubDep, db: DbSession, user: OptionalUser
) -> VersionRead:
    """A version (``latest``, ``v1``, ``2``, ``draft``) with its files and description."""
    version = service.get_version(db, resource_id=resource_id, label=label, viewer=user)
    return views.version_read(version, views.Links(hub.settings.public_base))


@router.post("/{resource_id}/publish", status_code=201)
def publish(
    resource_id: str,
    hub: HubDep,
    db: DbSession,
    admin: AdminUser,
    body: PublishRequest | None = None,
) -> VersionRead:
    """Publish the open draft as the next version vN (admins; review comes later)."""
    batch = BlobBatch(db, hub.storage)
    try:
        version = publishing.publish(
            db,
            hub.storage,
            resource_id=resource_id,
            actor=admin,
            change_note=body.change_note if body else None,
            batch=batch,
        )
        db.commit()
    except BaseException:
        db.rollback()
        batch.discard(hub.sessions)
        raise
    return views.version_read(version, views.Links(hub.settings.public_base))
