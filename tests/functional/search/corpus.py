"""A small catalog written through the services (no uploads): resources, published versions
with files in real storage, the listing hook that refreshes the search index."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy.orm import Session

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
from modelhub.hub import Hub
from modelhub.search import index
from modelhub.storage.service import BlobBatch

T0 = datetime(2025, 1, 1, tzinfo=UTC)


@dataclass
class Spec:
    id: str
    name: str
    type: str = "model"
    description: str = "A resource."
    tags: list[str] = field(default_factory=list)
    license: str | None = "MIT"
    authors: list[str] = field(default_factory=lambda: ["Ada Lovelace"])
    formats: list[str] = field(default_factory=list)
    doc: str | None = None
    cover: bool = False
    day: int = 0  # published T0 + day days: fixes "newest"


CORPUS = [
    Spec(
        "nucleus-unet",
        "Nucleus segmentation UNet",
        tags=["segmentation", "nucleus", "unet"],
        formats=["onnx", "torchscript"],
        authors=["Anna Kreshuk"],
        cover=True,
        day=1,
    ),
    Spec(
        "cell-tracker",
        "Cell tracker",
        description="Follows cells over time.",
        tags=["tracking", "cells"],
        license="CC-BY-4.0",
        formats=["pytorch_state_dict"],
        day=2,
    ),
    Spec(
        "mito-em",
        "Mitochondria EM volumes",
        type="dataset",
        tags=["segmentation", "em"],
        license="CC0-1.0",
        day=3,
    ),
    Spec(
        "denoise-nb",
        "Denoising walkthrough",
        type="notebook",
        description="Denoise first, then segmentation gets easier.",
        tags=["denoising"],
        day=4,
    ),
    Spec(
        "seg-explorer",
        "Segmentation explorer",
        type="application",
        tags=["viewer"],
        day=5,
    ),
    Spec(
        "smith-model",
        "Plain classifier",
        tags=["classification"],
        authors=["Segmentina Smith"],
        formats=["onnx"],
        day=6,
    ),
    Spec(
        "doc-only",
        "Quiet model",
        tags=["classification", "Electron-Microscopy"],
        formats=["onnx", "pytorch_state_dict"],
        doc="# Quiet model\n\nUseful for zebrafish segmentation of embryos.\n",
        day=7,
    ),
]


def _files(db: Session, hub: Hub, spec: Spec) -> tuple[list[VersionFile], dict[str, Any]]:
    batch = BlobBatch(db, hub.storage)
    rdf: dict[str, Any] = {"weights": {f: {"source": f"w.{f}"} for f in spec.formats}}
    contents = {"rdf.yaml": b"name: x\n"}
    if spec.cover:
        contents["cover.png"] = b"\x89PNG not really"
        rdf["covers"] = ["cover.png", "missing.png"]
    if spec.doc is not None:
        contents["README.md"] = spec.doc.encode()
        rdf["documentation"] = "README.md"
    files = []
    for path, data in contents.items():
        blob = batch.put_bytes(data)
        files.append(
            VersionFile(path=path, blob_sha256=blob.sha256, size=blob.size, media_type="x/y")
        )
    return files, rdf


def add_version(db: Session, hub: Hub, resource: Resource, spec: Spec, number: int) -> None:
    """Publish version ``number`` of ``resource`` described by ``spec`` (listing follows)."""
    files, rdf = _files(db, hub, spec)
    when = T0 + timedelta(days=spec.day, hours=number)
    version = ResourceVersion(
        resource_id=resource.id,
        revision=number,
        number=number,
        status=VersionStatus.published,
        format_version="0.5.3",
        name=spec.name,
        description=spec.description,
        license=spec.license,
        tags=spec.tags,
        authors=[{"name": a} for a in spec.authors],
        rdf=rdf,
        rdf_sha256="0" * 64,
        validation={},
        uploader_id=resource.created_by_id,
        created_at=when,
        published_at=when,
        files=files,
    )
    db.add(version)
    db.flush()
    index.store_documentation(db, hub.storage, version=version)
    resource.published_at = resource.published_at or when
    catalog.refresh_latest(db, resource=resource)


def build(hub: Hub, specs: list[Spec] | None = None) -> None:
    with transaction(hub.sessions) as db:
        user = accounts.create_user(db, username="corpus")
        for spec in specs or CORPUS:
            resource = Resource(
                id=spec.id,
                emoji="🔬",
                type=ResourceType(spec.type),
                name=spec.name,
                description=spec.description,
                created_by_id=user.id,
                created_at=T0,
            )
            db.add(resource)
            db.flush()
            add_version(db, hub, resource, spec, 1)
