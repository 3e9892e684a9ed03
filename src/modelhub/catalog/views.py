"""Turning catalog rows into the JSON shapes the API and pages share (one code path)."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from modelhub.accounts.models import User
from modelhub.catalog import service
from modelhub.catalog.models import Resource, ResourceVersion, VersionStatus
from modelhub.catalog.schemas import (
    FileRead,
    ResourceRead,
    VersionRead,
    VersionSummary,
)
from modelhub.links import Links


def version_summary(version: ResourceVersion) -> VersionSummary:
    return VersionSummary(
        version=version.label,
        status=version.status,
        revision=version.revision,
        created_at=version.created_at,
        published_at=version.published_at,
        change_note=version.change_note,
        yanked_at=version.yanked_at,
        yank_reason=version.yank_reason,
    )


def published_summaries(db: Session, resource_ids: list[str]) -> dict[str, list[VersionSummary]]:
    """The published versions (newest first) of each of ``resource_ids``, in one query for all
    of them (a page of search results), reading only the columns a summary shows."""
    if not resource_ids:
        return {}
    V = ResourceVersion
    shown = (V.number, V.revision, V.created_at, V.published_at, V.change_note, V.yanked_at)
    rows = db.execute(
        select(V.resource_id, *shown, V.yank_reason)
        .where(V.resource_id.in_(set(resource_ids)), V.status == VersionStatus.published)
        .order_by(V.resource_id, V.number.desc())
    )
    found: dict[str, list[VersionSummary]] = {rid: [] for rid in resource_ids}
    for row in rows:
        found[row.resource_id].append(
            VersionSummary(
                version=f"v{row.number}",
                status=VersionStatus.published,
                revision=row.revision,
                created_at=row.created_at,
                published_at=row.published_at,
                change_note=row.change_note,
                yanked_at=row.yanked_at,
                yank_reason=row.yank_reason,
            )
        )
    return found


def version_read(version: ResourceVersion, links: Links) -> VersionRead:
    label = version.label
    files = [
        FileRead(
            path=f.path,
            size=f.size,
            sha256=f.blob_sha256,
            media_type=f.media_type,
            url=links.file(version.resource_id, label, f.path),
        )
        for f in version.files
    ]
    return VersionRead(
        **version_summary(version).model_dump(),
        resource_id=version.resource_id,
        format_version=version.format_version,
        name=version.name,
        description=version.description,
        license=version.license,
        tags=list(version.tags),
        authors=list(version.authors),
        rdf_url=links.file(version.resource_id, label, "rdf.yaml"),
        package_url=links.package(version.resource_id, label),
        files=files,
        rdf=version.rdf,
        validation=version.validation,
    )


def resource_read(
    db: Session,
    resource: Resource,
    links: Links,
    *,
    viewer: User | None = None,
    with_versions: bool = False,
) -> ResourceRead:
    latest = f"v{resource.latest_version}" if resource.latest_version is not None else None
    versions = (
        [version_summary(v) for v in service.visible_versions(db, resource=resource, viewer=viewer)]
        if with_versions
        else []
    )
    return ResourceRead(
        id=resource.id,
        emoji=resource.emoji,
        type=resource.type,
        name=resource.name,
        description=resource.description,
        license=resource.license,
        tags=[t.tag for t in resource.tags],
        created_at=resource.created_at,
        updated_at=resource.updated_at,
        published_at=resource.published_at,
        latest_version=latest,
        url=links.resource_api(resource.id),
        rdf_url=links.file(resource.id, None, "rdf.yaml") if latest else None,
        package_url=links.package(resource.id, None) if latest else None,
        versions=versions,
    )
