"""A partner whose collection a loopback file server serves (its host:port allowed), and a
sync run in the test's process by the same job the hub's workers run."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest

from modelhub.db import transaction
from modelhub.hub import Hub
from modelhub.jobs.models import Job
from modelhub.partner_sync.inline import run_here
from modelhub.partner_sync.service import request_sync
from modelhub.partners import registry, service, views
from modelhub.partners.schemas import ApplicationCreate, PartnerDetail
from modelhub.wiring import sync_settings
from tests.fileserver import FileServer, Route, file_server

COLLECTION = "/lab/collection.yaml"


@pytest.fixture
def files(hub: Hub) -> Iterator[FileServer]:
    with file_server() as server:
        hub.settings.fetch_allow_hosts = server.host_port
        hub.settings.fetch_timeout_s = 2
        yield server


def dataset(entry_id: str, **changes: Any) -> dict[str, Any]:
    """An inline dataset description, valid as it is."""
    return {
        "format_version": "0.3.0",
        "type": "dataset",
        "id": entry_id,
        "name": f"Dataset {entry_id.rsplit('/', 1)[-1]}",
        "description": f"Images of {entry_id}.",
        "license": "CC0-1.0",
        "authors": [{"name": "Ada Lovelace"}],
        "cite": [{"text": "Data", "doi": "10.5281/zenodo.1234567"}],
        "tags": ["partner-test"],
        **changes,
    }


def collection(*entries: dict[str, Any], **config: Any) -> bytes:
    doc = {
        "type": "collection",
        "format_version": "0.2.3",
        "name": "Lab collection",
        "description": "What the lab shares.",
        "config": config,
        "collection": list(entries),
    }
    return json.dumps(doc).encode()


def serve(files: FileServer, body: bytes, path: str = COLLECTION, **route: Any) -> None:
    files.routes[path] = Route(body=body, content_type="application/yaml", **route)


def add_partner(hub: Hub, url: str, partner_id: str = "lab", *, read_only: bool = False) -> None:
    """Register a partner as ``modelhub partners add`` does (apply and approve in one step)."""
    with transaction(hub.sessions) as db:
        application = service.apply(
            db,
            applicant=None,
            data=ApplicationCreate(
                name=f"Partner {partner_id}",
                description="A lab.",
                resources="Datasets.",
                collection_url=url,
                maintenance_plan="We keep it.",
                proposed_id=partner_id,
            ),
        )
        service.approve(db, application_id=application.id, actor=None, partner_id=partner_id)
        registry.get_partner(db, partner_id=partner_id).read_only = read_only


def sync(hub: Hub, partner_id: str = "lab", *, full: bool = False) -> Job:
    with transaction(hub.sessions) as db:
        partner = registry.get_partner(db, partner_id=partner_id)
        job_id = request_sync(db, partner=partner, full=full).id
    return run_here(hub, job_id=job_id, settings=sync_settings(hub.settings))


def detail(hub: Hub, partner_id: str = "lab") -> PartnerDetail:
    with transaction(hub.sessions) as db:
        return views.partner_detail(db, registry.get_partner(db, partner_id=partner_id))


def entries(hub: Hub, partner_id: str = "lab") -> dict[str, Any]:
    return {e.key: e for e in detail(hub, partner_id).entries}
