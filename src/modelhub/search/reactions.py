"""The search index follows committed events (subscribed at the composition root): a listing
that changed, a check of the listed version that finished. Each runs in a transaction of its
own right after the commit that recorded the event."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from modelhub.catalog.models import Resource, ResourceVersion, VersionStatus
from modelhub.events.types import CheckFinished, ListingChanged, SummariesReceived
from modelhub.search import index
from modelhub.search.models import SearchDocument
from modelhub.storage.base import Storage


def listing_changed(db: Session, storage: Storage, event: ListingChanged) -> None:
    """Make the resource's entry list its latest published version (as it is now: a late
    delivery never brings back an older state); its documentation is read the first time it is
    listed (versions never change)."""
    resource = db.get(Resource, event.resource_id)
    if resource is None or resource.latest_version is None:
        return
    version = db.scalar(
        select(ResourceVersion).where(
            ResourceVersion.resource_id == resource.id,
            ResourceVersion.number == resource.latest_version,
            ResourceVersion.status == VersionStatus.published,
        )
    )
    if version is None:
        return
    if db.get(SearchDocument, version.id) is None:
        index.store_documentation(db, storage, version=version)
    index.refresh(db, resource=resource, version=version)


def summaries_received(db: Session, event: SummariesReceived) -> None:
    """A partner's summaries of the listed version change its "compatible with" badges."""
    resource = db.get(Resource, event.resource_id)
    if resource is None or resource.latest_version != event.version_number:
        return
    version = db.scalar(
        select(ResourceVersion).where(
            ResourceVersion.resource_id == resource.id,
            ResourceVersion.number == event.version_number,
            ResourceVersion.status == VersionStatus.published,
        )
    )
    if version is not None:
        index.refresh(db, resource=resource, version=version)


def check_finished(db: Session, event: CheckFinished) -> None:
    """The check's badges, when it judged the listed version."""
    index.refresh_after_check(db, check_run_id=event.check_run_id)
