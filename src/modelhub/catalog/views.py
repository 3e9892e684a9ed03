"""Turning catalog rows into the JSON shapes the API and pages share (one code path)."""

from __future__ import annotations

import re
from urllib.parse import quote

from sqlalchemy.orm import Session

from modelhub.accounts.models import User
from modelhub.catalog import service
from modelhub.catalog.models import Resource, ResourceVersion
from modelhub.catalog.schemas import FileRead, ResourceRead, VersionRead, VersionSummary
from modelhub.config import Settings

_PUBLISHED = re.compile(r"v\d+")


class Links:
    """Stable URLs of the hub, built from its public base URL (and its files origin).

    With a files origin, published files are linked there directly; files of drafts and closed
    revisions stay on the hub's origin, which checks the viewer and then redirects to a
    short-lived signed link on the files origin (``downloads.origin``)."""

    def __init__(self, base: str, files: str | None = None) -> None:
        self.base = base.rstrip("/")
        self.files = files.rstrip("/") if files else None

    @classmethod
    def of(cls, settings: Settings) -> Links:
        return cls(settings.public_base, settings.public_files_base)

    def _files_root(self, label: str | None) -> str:
        if self.files is not None and (label is None or _PUBLISHED.fullmatch(label)):
            return self.files
        return self.base

    def resource_api(self, resource_id: str) -> str:
        return f"{self.base}/api/v1/resources/{resource_id}"

    def resource_page(self, resource_id: str) -> str:
        return f"{self.base}/resources/{resource_id}"

    def file(self, resource_id: str, label: str | None, path: str) -> str:
        where = f"{resource_id}/{label}" if label else resource_id
        return f"{self._files_root(label)}/artifacts/{where}/files/{quote(path)}"

    def package(self, resource_id: str, label: str | None) -> str:
        where = f"{resource_id}/{label}" if label else resource_id
        return f"{self._files_root(label)}/artifacts/{where}/package.zip"


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
