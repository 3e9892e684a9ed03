"""Pydantic I/O for uploads."""

from __future__ import annotations

from pydantic import BaseModel

from modelhub.catalog.models import ResourceType, VersionStatus


class Problem(BaseModel):
    loc: list[str | int]
    msg: str


class UploadResult(BaseModel):
    """What an accepted upload became: a draft revision of a (new or existing) resource."""

    resource_id: str
    emoji: str
    type: ResourceType
    name: str
    version: str
    revision: int
    status: VersionStatus
    format_version: str
    files: int
    warnings: list[Problem]
    check_id: int | None
    url: str
    rdf_url: str
    page_url: str
