"""The exports follow committed events (subscribed at the composition root): a version
published, yanked or unyanked, a listing set again. Each refreshes the one resource's row in a
transaction of its own, from the catalog as it is then. A partner changed: the documents'
generation grows (``collection.json`` shows the partners in its ``config``)."""

from __future__ import annotations

from sqlalchemy.orm import Session

from modelhub.config import Settings
from modelhub.events.types import (
    ListingChanged,
    PartnerChanged,
    VersionPublished,
    VersionUnyanked,
    VersionYanked,
)
from modelhub.exports import service
from modelhub.exports.urls import export_urls

Changed = VersionPublished | VersionYanked | VersionUnyanked | ListingChanged


def resource_changed(db: Session, settings: Settings, event: Changed) -> None:
    """Rewrite (or remove) the row of the event's resource; the generation grows only when
    the row changed."""
    service.refresh(db, resource_id=event.resource_id, urls=export_urls(settings))


def partner_changed(db: Session, event: PartnerChanged) -> None:
    """The partners of ``collection.json``'s ``config`` changed: a new generation, so that
    the documents' ETags change."""
    del event
    service.touch(db)
