"""Pydantic I/O for the catalog."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from pydantic import BaseModel, Field

from modelhub.catalog.models import ResourceType, VersionStatus

SortKey = Literal["relevance", "newest", "oldest", "name"]


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


class ResourcePage(BaseModel):
    items: list[ResourceRead]
    total: int
    page: int
    per_page: int


class SearchQuery(BaseModel):
    """The query of ``GET /api/v1/resources``."""

    q: str | None = Field(default=None, max_length=200)
    type: ResourceType | None = None
    tags: list[str] = Field(default_factory=list)
    sort: SortKey = "relevance"
    page: int = Field(default=1, ge=1, le=10_000)
    per_page: int = Field(default=20, ge=1, le=100)
