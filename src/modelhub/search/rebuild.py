"""Building the whole search index again from the catalog, with the index's code of today.

Migrations never run the application's code (it changes after they are written): migration
0006 only marks the index for a rebuild when resources were published before it existed, and
the hub runs ``rebuild_if_requested`` right after migrating its own database. Operators rebuild
on demand with ``modelhub search reindex``. Never commits."""

from __future__ import annotations

from sqlalchemy import and_, delete, select, update
from sqlalchemy.orm import Session

from modelhub.catalog.models import Resource, ResourceTag, ResourceVersion, VersionStatus
from modelhub.catalog.tags import canonical_tags
from modelhub.search import fts, index
from modelhub.search.models import (
    REBUILD_MARK,
    SearchCount,
    SearchDocument,
    SearchEntry,
    SearchState,
)
from modelhub.storage.base import Storage

_BATCH = 500  # resources per flush and expunge: the session never holds the whole catalog


def rebuild_if_requested(db: Session, *, storage: Storage) -> int | None:
    """Rebuild the index when it is marked for a rebuild, clearing the mark in the caller's
    transaction; returns how many resources were indexed, None when no rebuild was asked for.
    Of hub processes starting at once on PostgreSQL, one rebuilds and the others wait for it
    and find the mark gone."""
    marked = db.scalar(
        select(SearchState.id).where(SearchState.id == REBUILD_MARK).with_for_update()
    )
    if marked is None:
        return None
    return rebuild_index(db, storage=storage)


def rebuild_index(db: Session, *, storage: Storage) -> int:
    """Index every published resource again: its entry, full text and facet counts, and the
    documentation of its listed version read again from ``storage``. The generation is bumped
    first for "anything changed" (copies in memory read the index again whole), then once per
    entry like a publication. Clears the rebuild mark (a whole rebuild is what it
    asks for). Returns how many resources were indexed.

    Objects of ``db`` are flushed and expunged as it goes."""
    # first: the generation row stays locked until the commit, so other index writers and
    # rebuilds wait for this one; anything may change (entries of resources no longer listed
    # go too): copies of the index in memory read it again whole
    index.bump_generation(db)
    # downloads are counted by the hub, not derived from the catalog: a rebuild keeps them
    counted = select(SearchEntry.resource_id, SearchEntry.downloads).where(
        SearchEntry.downloads != 0
    )
    downloads = {rid: n for rid, n in db.execute(counted)}
    fts.clear(db)
    db.execute(delete(SearchEntry))
    db.execute(delete(SearchCount))
    # older versions get theirs again when they are listed (``search.reactions``)
    db.execute(delete(SearchDocument))
    db.execute(delete(SearchState).where(SearchState.id == REBUILD_MARK))
    db.expunge_all()  # the rows just deleted must not come back from the identity map
    listed = list(
        db.scalars(
            select(Resource.id).where(Resource.latest_version.is_not(None)).order_by(Resource.id)
        )
    )
    indexed = 0
    for start in range(0, len(listed), _BATCH):
        indexed += _index(db, storage, listed[start : start + _BATCH], downloads)
        db.flush()
        db.expunge_all()
    return indexed


def _index(db: Session, storage: Storage, ids: list[str], downloads: dict[str, int]) -> int:
    rows = db.execute(
        select(Resource, ResourceVersion)
        .join(
            ResourceVersion,
            and_(
                ResourceVersion.resource_id == Resource.id,
                ResourceVersion.number == Resource.latest_version,
                ResourceVersion.status == VersionStatus.published,
            ),
        )
        .where(Resource.id.in_(ids))
        .order_by(Resource.id)
    ).all()  # whole: the loop below runs its own statements
    indexed = 0
    for resource, version in rows:
        _retag(resource, version)
        index.store_documentation(db, storage, version=version)
        index.refresh(db, resource=resource, version=version)
        if resource.id in downloads:
            db.execute(
                update(SearchEntry)
                .where(SearchEntry.resource_id == resource.id)
                .values(downloads=downloads[resource.id])
            )
        indexed += 1
    return indexed


def _retag(resource: Resource, version: ResourceVersion) -> None:
    """The listing's tag rows in today's canonical forms (the vocabulary's synonyms change)."""
    wanted = sorted(set(canonical_tags(version.tags)))
    if sorted(t.tag for t in resource.tags) != wanted:
        resource.tags = [ResourceTag(resource_id=resource.id, tag=t) for t in wanted]
