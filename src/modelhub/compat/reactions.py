"""Reactions of compatibility to the hub's events (subscribed by the composition root only):
partners' CI hears of published and yanked versions."""

from __future__ import annotations

from sqlalchemy.orm import Session

from modelhub.catalog.models import Resource
from modelhub.compat import notify
from modelhub.events import VersionPublished, VersionYanked
from modelhub.links import Links


def version_changed(db: Session, links: Links, event: VersionPublished | VersionYanked) -> None:
    """A signed notice to each partner's CI hook naming the resource, version and rdf URL."""
    resource = db.get(Resource, event.resource_id)
    if resource is None:
        return
    name = "version.published" if isinstance(event, VersionPublished) else "version.yanked"
    label = f"v{event.number}"
    notify.notify(
        db,
        event=name,
        about=f"{name}:{event.version_id}",
        facts={
            "resource_id": event.resource_id,
            "type": resource.type.value,
            "version": label,
            "number": event.number,
            "rdf_url": links.file(event.resource_id, label, "rdf.yaml"),
            "resource_url": links.resource_page(event.resource_id, label),
        },
    )
