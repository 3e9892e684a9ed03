"""Pydantic I/O for the catalog."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import BaseModel, Field

from modelhub.catalog.models import ResourceType, VersionStatus


class FileRead(BaseModel):
    path: str
    size: int
    sha256: str
    media_type: str
    url: str


class VersionSummary(BaseModel):
    version: str
    status: VersionStatus
    revision: int
    created_at: datetime
    published_at: datetime | None
    change_note: str | None
    yanked_at: datetime | None = None
    yank_reason: str | None = None


class VersionRead(VersionSummary):
    resource_id: str
    format_version: str
    name: str
    description: str
    license: str | None
    tags: list[str]
    authors: list[dict[str, Any]]
    rdf_url: str
    package_url: str
    files: list[FileRead]
    rdf: dict[str, Any]
    validation: dict[str, Any]


class ResourceRead(BaseModel):
    id: str
    emoji: str
    type: ResourceType
    name: str
    description: str
    license: str | None
    tags: list[str]
    created_at: datetime
    updated_at: datetime
    published_at: datetime | None
    latest_version: str | None
    url: str
    rdf_url: str | None
    package_url: str | None
    versions: list[VersionSummary] = Field(default_factory=list)
