"""Keeping the export rows: one resource at a time after each event, or all at once (a
rebuild: after an upgrade, or when the hub's addresses changed).

Every change locks the state row first and reads the catalog after that: two reactions to the
same resource write in the order they got the lock, each with what was committed before it
(a late delivery never brings back an older state). Nothing here grows with the catalog but
``rebuild``."""

from __future__ import annotations

import logging
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import datetime
from itertools import groupby

from sqlalchemy import delete, insert, select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session, sessionmaker

from modelhub.catalog.models import Resource, ResourceVersion, VersionStatus
from modelhub.db import transaction, utcnow
from modelhub.exports.entries import collection_item, index_entry, listed_versions, to_json
from modelhub.exports.models import ExportEntry, ExportState
from modelhub.exports.urls import ExportUrls

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class StateNow:
    """What one small query tells of the exports: enough for an ETag and a 304."""

    generation: int
    changed_at: datetime
    links: str
    needs_rebuild: bool

    def stale_for(self, urls: ExportUrls) -> bool:
        """The rows must be rebuilt before they are served at ``urls``."""
        return self.needs_rebuild or self.links != urls.key


def state_now(db: Session) -> StateNow | None:
    """The state as committed now (a column query: never a copy the session kept)."""
    row = db.execute(
        select(
            ExportState.generation,
            ExportState.changed_at,
            ExportState.links,
            ExportState.needs_rebuild,
        ).where(ExportState.id == 1)
    ).one_or_none()
    return None if row is None else StateNow(*row)


def _lock(db: Session) -> ExportState:
    """The state row, locked until the caller's transaction ends (created when missing)."""
    dialect = db.get_bind().dialect.name
    stmt = (pg_insert if dialect == "postgresql" else sqlite_insert)(ExportState).values(
        id=1, generation=0, changed_at=utcnow(), links="", needs_rebuild=True
    )
    db.execute(stmt.on_conflict_do_update(index_elements=["id"], set_={"id": ExportState.id}))
    state = db.scalar(
        select(ExportState).where(ExportState.id == 1).execution_options(populate_existing=True)
    )
    if state is None:  # pragma: no cover - the upsert above wrote it
        raise RuntimeError("the export state row is missing")
    return state


def _bump(state: ExportState) -> int:
    state.generation += 1
    state.changed_at = utcnow()
    return state.generation


def refresh(db: Session, *, resource_id: str, urls: ExportUrls) -> bool:
    """Make the resource's row what it is now (written, rewritten or removed, in the caller's
    transaction); whether anything changed (then the generation grew by one)."""
    state = _lock(db)
    resource = db.get(Resource, resource_id)
    versions = listed_versions(db, resource_id=resource_id) if resource is not None else []
    row = db.get(ExportEntry, resource_id, populate_existing=True)
    if resource is None or not versions:
        if row is None:
            return False
        db.delete(row)
        _bump(state)
        return True
    item = to_json(collection_item(resource, versions, urls))
    entry = to_json(index_entry(resource, versions, urls))
    if row is not None and row.item == item and row.index_entry == entry:
        return False  # the second event of one publication: nothing new to say
    if row is None:
        row = ExportEntry(resource_id=resource_id)
        db.add(row)
    row.type, row.item, row.index_entry = resource.type.value, item, entry
    row.generation = _bump(state)
    return True


def touch(db: Session) -> int:
    """Count a change of what the documents show besides the rows (e.g. the partners of the
    collection's ``config``): their ETags change. Returns the new generation."""
    return _bump(_lock(db))


def rebuild(db: Session, *, urls: ExportUrls) -> int:
    """Write every row again from the catalog (in the caller's transaction) and clear the
    mark; how many resources are exported. The one operation proportional to the catalog."""
    state = _lock(db)
    generation = _bump(state)
    db.execute(delete(ExportEntry))
    found = db.execute(
        select(ResourceVersion, Resource)
        .join(Resource, Resource.id == ResourceVersion.resource_id)
        .where(
            ResourceVersion.status == VersionStatus.published,
            ResourceVersion.yanked_at.is_(None),
        )
        .order_by(ResourceVersion.resource_id, ResourceVersion.number.desc())
    )
    rows = [(version, resource) for version, resource in found]
    count = 0
    for batch in _batched(rows, 1000):
        values = []
        for resource, pairs in batch:
            versions = [version for version, _ in pairs]
            values.append(
                {
                    "resource_id": resource.id,
                    "type": resource.type.value,
                    "generation": generation,
                    "item": to_json(collection_item(resource, versions, urls)),
                    "index_entry": to_json(index_entry(resource, versions, urls)),
                }
            )
        db.execute(insert(ExportEntry), values)
        count += len(values)
    state.links = urls.key
    state.needs_rebuild = False
    return count


Pair = tuple[ResourceVersion, Resource]


def _batched(rows: Iterable[Pair], size: int) -> Iterator[list[tuple[Resource, list[Pair]]]]:
    """``(resource, its rows)`` in batches of ``size`` resources (rows come grouped)."""
    batch: list[tuple[Resource, list[Pair]]] = []
    for _, group in groupby(rows, key=lambda pair: pair[1].id):
        pairs = list(group)
        batch.append((pairs[0][1], pairs))
        if len(batch) == size:
            yield batch
            batch = []
    if batch:
        yield batch


def rebuild_if_needed(sessions: sessionmaker[Session], *, urls: ExportUrls) -> int | None:
    """Rebuild when the mark says so or the rows were written for other addresses (at
    ``modelhub serve`` start, and before serving); how many were written, None if not needed."""
    with sessions() as db:
        now = state_now(db)
    if now is not None and not now.stale_for(urls):
        return None
    with transaction(sessions) as db:
        _lock(db)
        again = state_now(db)  # another process may have rebuilt while this one waited
        if again is not None and not again.stale_for(urls):
            return None
        count = rebuild(db, urls=urls)
    log.info("exports rebuilt: %d resources", count)
    return count
