"""Helpers of the usage tests: published resources with DOIs in their rdf, settings without
the background fold (tests fold with a clock they move)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from modelhub.accounts import service as accounts
from modelhub.catalog import service as catalog
from modelhub.catalog.models import (
    Resource,
    ResourceType,
    ResourceVersion,
    VersionFile,
    VersionStatus,
)
from modelhub.db import transaction
from modelhub.events import record
from modelhub.events.types import VersionPublished
from modelhub.hub import Hub
from modelhub.storage.service import BlobBatch

T0 = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)
CONCEPT = "10.5281/zenodo.5555"
V2_DOI = "10.5281/zenodo.5557"


def publish(hub: Hub, resource_id: str, versions: int = 2) -> None:
    """``resource_id`` with ``versions`` published versions; v2 names its own DOI and every
    version the concept DOI (as Zenodo records do)."""
    with transaction(hub.sessions) as db:
        user = accounts.create_user(db, username=f"u-{resource_id}")
        resource = Resource(
            id=resource_id,
            emoji="x",
            type=ResourceType.model,
            name=resource_id.title(),
            description="",
            created_by_id=user.id,
        )
        db.add(resource)
        db.flush()
        batch = BlobBatch(db, hub.storage)
        for number in range(1, versions + 1):
            blob = batch.put_bytes(f"weights of v{number} ".encode() * 50)
            rdf: dict[str, Any] = {"config": {"bioimageio": {"concept_doi": CONCEPT}}}
            if number == 2:
                rdf["config"]["bioimageio"]["doi"] = V2_DOI
            version = ResourceVersion(
                resource_id=resource_id,
                revision=number,
                number=number,
                status=VersionStatus.published,
                format_version="0.5.3",
                name=resource.name,
                description="",
                license="MIT",
                tags=[],
                authors=[],
                rdf=rdf,
                rdf_sha256="0" * 64,
                validation={},
                uploader_id=user.id,
                published_at=T0,
                files=[
                    VersionFile(
                        path="weights.bin",
                        blob_sha256=blob.sha256,
                        size=blob.size,
                        media_type="application/octet-stream",
                    )
                ],
            )
            db.add(version)
            db.flush()
            record(
                db,
                VersionPublished(
                    resource_id=resource_id,
                    version_id=version.id,
                    number=number,
                    publisher_id=user.id,
                ),
            )
        resource.published_at = T0
        catalog.refresh_latest(db, resource=resource)
