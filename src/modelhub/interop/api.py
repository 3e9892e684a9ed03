"""Compatibility URLs for the bioimage.io tools (``BIOIMAGEIO_ID_MAP=<hub>/id_map.json``)."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter

from modelhub.deps import DbSession, HubDep
from modelhub.interop import service

router = APIRouter(tags=["compatibility"])


@router.get("/id_map.json")
def id_map(hub: HubDep, db: DbSession) -> dict[str, dict[str, Any]]:
    """Every published resource and version id mapped to its rdf.yaml URL and sha256."""
    return service.id_map(db, hub.links)


@router.get("/id_map_draft.json")
def id_map_draft() -> dict[str, dict[str, Any]]:
    """Drafts are not resolvable by id here (they are not reviewed); clients get an empty map."""
    return {}
