"""Keeping the search index in step with the listing: ``search.reactions`` calls these after the
commit of a publish, yank or unyank (the ``ListingChanged`` event) and of a finished check of the
listed version (``CheckFinished``), each in the event delivery's own transaction. Never commits.

Every change touches one entry and a few rows (the entry, its full text, its facet counts, the
generation and one change-log row): nothing here grows with the catalog."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Connection, delete, select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session

from modelhub.catalog.models import Resource, ResourceVersion, VersionFile
from modelhub.checks.models import CheckRun, CheckStatus
from modelhub.compat import targets, verdict
from modelhub.search import fts
from modelhub.search.entries import Listing, documentation_tokens, entry_values, facet_values
from modelhub.search.models import (
    SearchChange,
    SearchCount,
    SearchDocument,
    SearchEntry,
    SearchState,
)
from modelhub.storage.base import Storage

FINISHED = (CheckStatus.passed, CheckStatus.failed, CheckStatus.error)
KEEP_CHANGES = 10_000  # change-log rows kept: a copy further behind than this is read again whole


def store_documentation(db: Session, storage: Storage, *, version: ResourceVersion) -> None:
    """Read and keep the tokens of a version's documentation (called when it is published)."""
    files = {f.path: f.blob_sha256 for f in version.files}
    found = documentation_tokens(storage, version.rdf, files)
    row = db.get(SearchDocument, version.id)
    if row is None:
        db.add(SearchDocument(version_id=version.id, tokens=found))
    else:
        row.tokens = found


def latest_finished_check(db: Session, *, version_id: int) -> CheckRun | None:
    return db.scalar(
        select(CheckRun)
        .where(CheckRun.version_id == version_id, CheckRun.status.in_(FINISHED))
        .order_by(CheckRun.id.desc())
        .limit(1)
    )


def listing_of(db: Session, resource: Resource, version: ResourceVersion) -> Listing:
    run = latest_finished_check(db, version_id=version.id)
    document = db.get(SearchDocument, version.id)
    paths = db.scalars(select(VersionFile.path).where(VersionFile.version_id == version.id))
    if version.number is None:
        raise ValueError(f"version {version.id} is a draft without a number: it is not listed")
    check_formats = dict(run.formats) if run else {}
    badges = verdict.badges(
        db, resource_id=resource.id, number=version.number, check_formats=check_formats
    )
    return Listing(
        resource_id=resource.id,
        type=resource.type.value,
        emoji=resource.emoji,
        created_at=resource.created_at,
        published_at=resource.published_at,
        updated_at=resource.updated_at,
        version_id=version.id,
        number=version.number,
        name=version.name,
        description=version.description,
        license=version.license,
        tags=list(version.tags),
        authors=list(version.authors),
        rdf=version.rdf,
        file_paths=set(paths),
        documentation=document.tokens if document else "",
        check_status=run.status.value if run else None,
        check_formats=check_formats,
        compatible=[b.model_dump() for b in badges],
        compat_mask=targets.mask_of(db, [b.id for b in badges]),
    )


def refresh(db: Session, *, resource: Resource, version: ResourceVersion) -> None:
    """Make the entry of ``resource`` list ``version`` (its latest published version); a
    resource with nothing published has no entry."""
    if resource.latest_version is None or version.number is None:
        return
    db.flush()  # the listing fields and check rows of this transaction must be visible
    values, token_list = entry_values(listing_of(db, resource, version))
    entry = db.scalar(select(SearchEntry).where(SearchEntry.resource_id == resource.id))
    if entry is not None and all(getattr(entry, k) == v for k, v in values.items()):
        # nothing the index holds changed (a re-check with the same outcome, say): no write,
        # and the copies of the index in memory stay current
        return
    before = facet_values(_values_of(entry)) if entry is not None else set()
    if entry is None:
        entry = SearchEntry(downloads=0, **values)
        db.add(entry)
    else:
        for key, value in values.items():
            setattr(entry, key, value)
    db.flush()
    fts.write(db, entry_id=entry.id, token_list=token_list)
    after = facet_values(values)
    bump_counts(db, {pair: -1 for pair in before - after} | {pair: 1 for pair in after - before})
    bump_generation(db, resource_id=resource.id)


def refresh_after_check(db: Session, *, check_run_id: int) -> None:
    """A check finished: when it judged the listed version, its badges change."""
    run = db.get(CheckRun, check_run_id)
    version = db.get(ResourceVersion, run.version_id) if run is not None else None
    if version is None or version.number is None:
        return
    resource = db.get(Resource, version.resource_id)
    if resource is not None and resource.latest_version == version.number:
        refresh(db, resource=resource, version=version)


def remove(db: Session, *, resource_id: str) -> None:
    """Take a resource out of the index (and out of the counts)."""
    entry = db.scalar(select(SearchEntry).where(SearchEntry.resource_id == resource_id))
    if entry is None:
        return
    bump_counts(db, dict.fromkeys(facet_values(_values_of(entry)), -1))
    fts.delete(db, entry_id=entry.id)
    db.delete(entry)
    db.flush()
    bump_generation(db, resource_id=resource_id)


def set_downloads(db: Session, counts: dict[str, int]) -> int:
    """Set the download counts of listed resources (usage analytics' totals: people, every
    version); one UPDATE each, the generation bumped only for the entries that changed. How
    many changed."""
    changed = 0
    for resource_id, downloads in sorted(counts.items()):
        result = db.execute(
            update(SearchEntry)
            .where(SearchEntry.resource_id == resource_id, SearchEntry.downloads != downloads)
            .values(downloads=downloads)
            .execution_options(synchronize_session=False)
        )
        if getattr(result, "rowcount", 0):
            bump_generation(db, resource_id=resource_id)
            changed += 1
    return changed


def _values_of(entry: SearchEntry) -> dict[str, Any]:
    return {
        "type": entry.type,
        "license": entry.license,
        "checked": entry.checked,
        "formats_mask": entry.formats_mask,
        "tags": list(entry.tags),
    }


def bump_counts(bind: Session | Connection, changes: dict[tuple[str, str], int]) -> None:
    """Add ``changes`` to the facet counts (one upsert each; rows reaching 0 go: only the rows
    just lowered are looked at, never the whole table)."""
    dialect = bind.get_bind().dialect.name if isinstance(bind, Session) else bind.dialect.name
    insert = pg_insert if dialect == "postgresql" else sqlite_insert
    for (facet, value), delta in sorted(changes.items()):
        if delta == 0:
            continue
        stmt = insert(SearchCount).values(facet=facet, value=value[:128], count=delta)
        stmt = stmt.on_conflict_do_update(
            index_elements=["facet", "value"], set_={"count": SearchCount.count + delta}
        )
        bind.execute(stmt)
        if delta < 0:
            bind.execute(
                delete(SearchCount).where(
                    SearchCount.facet == facet,
                    SearchCount.value == value[:128],
                    SearchCount.count <= 0,
                )
            )


def bump_generation(bind: Session | Connection, *, resource_id: str | None = None) -> int:
    """Count one more change of the index (in the caller's transaction) and log which
    resource's entry changed (None: anything may have changed; copies in memory then read the
    index again whole). Copies read at an older generation apply the logged changes before
    answering. Log rows older than ``KEEP_CHANGES`` generations go. Returns the generation."""
    dialect = bind.get_bind().dialect.name if isinstance(bind, Session) else bind.dialect.name
    insert = pg_insert if dialect == "postgresql" else sqlite_insert
    stmt = insert(SearchState).values(id=1, generation=1)
    stmt = stmt.on_conflict_do_update(
        index_elements=["id"], set_={"generation": SearchState.generation + 1}
    )
    bind.execute(stmt)
    now = generation(bind)  # the row is locked by this transaction until it ends
    bind.execute(insert(SearchChange).values(generation=now, resource_id=resource_id))
    if now > KEEP_CHANGES:
        bind.execute(delete(SearchChange).where(SearchChange.generation <= now - KEEP_CHANGES))
    return now


def generation(bind: Session | Connection) -> int:
    """The index's generation now (0 before its first change)."""
    found = bind.scalar(select(SearchState.generation).where(SearchState.id == 1))
    return int(found or 0)
