"""What existing bioimage.io clients read from the hub: the id map."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from modelhub.catalog.models import Resource, ResourceVersion, VersionStatus
from modelhub.links import Links


def id_map(db: Session, links: Links) -> dict[str, dict[str, Any]]:
    """``{"<id>": {"source", "sha256"}, "<id>/v1": …, "<id>/1": …}`` for every published
    version; the bare id points at the latest one. Each source is an rdf.yaml URL whose bytes
    hash to its sha256."""
    rows = db.execute(
        select(
            ResourceVersion.resource_id,
            ResourceVersion.number,
            ResourceVersion.rdf_sha256,
            Resource.latest_version,
        )
        .join(Resource, Resource.id == ResourceVersion.resource_id)
        .where(ResourceVersion.status == VersionStatus.published)
        .order_by(ResourceVersion.resource_id, ResourceVersion.number)
    )
    out: dict[str, dict[str, Any]] = {}
    for resource_id, number, sha, latest in rows:
        # exactly these two keys: the clients validate entries with extra keys forbidden
        entry = {"source": links.file(resource_id, f"v{number}", "rdf.yaml"), "sha256": sha}
        out[f"{resource_id}/v{number}"] = entry
        out[f"{resource_id}/{number}"] = entry
        if number == latest:
            out[resource_id] = entry
    return out
