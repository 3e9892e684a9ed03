"""One resource's ``collection.json`` item and ``index.json`` entry, from its listed versions.

The shapes are those bioimage.io publishes today (its collection service's items and its
``index.json``), so that existing readers work unchanged. Versions carry the hub's labels
(``v3``); only published versions that are not yanked are exported, newest first."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from modelhub.catalog.models import Resource, ResourceVersion, VersionStatus
from modelhub.exports.urls import ExportUrls

DOWNLOADS_UNKNOWN = "?"
"""``download_count`` as bioimage.io's collection service writes it: the counts change with
every download and would change the document (and its ETag) with them."""


def to_json(value: Any) -> str:
    """The compact UTF-8 JSON text the documents are made of."""
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"))


def stamp(when: datetime | None) -> str | None:
    """``2025-07-01T22:53:02Z``, as the index writes times."""
    if when is None:
        return None
    return when.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def listed_versions(db: Session, *, resource_id: str) -> list[ResourceVersion]:
    """The versions the exports show: published, not yanked, newest first."""
    return list(
        db.scalars(
            select(ResourceVersion)
            .where(
                ResourceVersion.resource_id == resource_id,
                ResourceVersion.status == VersionStatus.published,
                ResourceVersion.yanked_at.is_(None),
            )
            .order_by(ResourceVersion.number.desc())
        )
    )


def _package_path(value: str) -> str:
    return value[2:] if value.startswith("./") else value


def _file_or_text(value: Any, urls: ExportUrls, resource_id: str, label: str) -> Any:
    """A path inside the package becomes its absolute URL; an emoji or a URL stays as it is."""
    if not isinstance(value, str) or len(value) <= 2 or "://" in value:
        return value
    return urls.file(resource_id, label, _package_path(value))


def _list(rdf: dict[str, Any], key: str) -> list[Any]:
    value = rdf.get(key)
    return value if isinstance(value, list) else []


def collection_item(
    resource: Resource, versions: list[ResourceVersion], urls: ExportUrls
) -> dict[str, Any]:
    """The resource's item of ``collection.json``: the newest of ``versions`` (listed, newest
    first) describes it; files are absolute URLs of that version."""
    latest = versions[0]
    label, rdf, rid = latest.label, latest.rdf, resource.id
    covers, links, badges = _list(rdf, "covers"), _list(rdf, "links"), _list(rdf, "badges")
    item: dict[str, Any] = {
        "id": rid,
        "type": resource.type.value,
        "name": latest.name,
        "description": latest.description,
        "tags": list(latest.tags),
        "authors": list(latest.authors),
        "covers": [_file_or_text(c, urls, rid, label) for c in covers if isinstance(c, str)],
        "badges": badges,
        "links": [str(link) for link in links],
        "license": latest.license,
        "id_emoji": resource.emoji,
        "nickname": rid,
        "nickname_icon": resource.emoji,
        "created": stamp(latest.published_at),
        "download_count": DOWNLOADS_UNKNOWN,
        "download_url": urls.package(rid, label),
        "rdf_source": urls.rdf(rid, label),
        "versions": [v.label for v in versions],
    }
    if isinstance(rdf.get("icon"), str):
        item["icon"] = _file_or_text(rdf["icon"], urls, rid, label)
    if "training_data" in rdf:
        item["training_data"] = rdf["training_data"]
    return item


def index_entry(
    resource: Resource, versions: list[ResourceVersion], urls: ExportUrls
) -> dict[str, Any]:
    """The resource's entry of ``index.json``: each listed version's rdf.yaml and its sha256."""
    return {
        "id": resource.id,
        "type": resource.type.value,
        "versions": [
            {
                "version": v.label,
                "source": urls.rdf(resource.id, v.label),
                "sha256": v.rdf_sha256,
                "created_at": stamp(v.published_at),
                "comment": v.change_note,
            }
            for v in versions
        ],
    }
