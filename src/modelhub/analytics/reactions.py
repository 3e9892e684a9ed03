"""Analytics follows committed events (subscribed at the composition root): a download the hub
served becomes a raw usage row; a published version's DOIs are indexed for reports by DOI."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.orm import Session

from modelhub.analytics.dois import index_version
from modelhub.analytics.ingest import append
from modelhub.analytics.models import HUB
from modelhub.catalog.models import ResourceVersion
from modelhub.events.types import Downloaded, VersionPublished


def downloaded(db: Session, event: Downloaded) -> None:
    if event.version_number is None:
        return
    row = {
        "at": datetime.fromisoformat(event.at),
        "resource_id": event.resource_id,
        "version_number": event.version_number,
        "consumer": event.consumer,
        "consumer_version": event.consumer_version,
        "visitor": event.visitor,
        "is_bot": event.is_bot,
        "origin": HUB,
        "kind": event.kind,
    }
    append(db, [row])


def version_published(db: Session, event: VersionPublished) -> None:
    version = db.get(ResourceVersion, event.version_id)
    if version is not None:
        index_version(db, version=version)
