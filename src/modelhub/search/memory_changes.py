"""Reading what changed in the index since a generation, from the change log
(``index.bump_generation``): the changed resources' entries as they are now, and where the
database's own orders place each of them among the entries that did not change (the keys of
those neighbours are in memory already). A few indexed queries per changed entry: nothing here
reads the whole index."""

from __future__ import annotations

from collections.abc import Container
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import Connection, TextClause, and_, bindparam, exists, select, text

from modelhub.catalog.models import ResourceTag
from modelhub.search import index
from modelhub.search.memory_build import COMPAT_AT, ENTRY_COLUMNS, TOKENS_AT, full_text
from modelhub.search.memory_store import FIELDS
from modelhub.search.models import SearchChange, SearchEntry


@dataclass
class Entry:
    """A changed entry as it is now."""

    id: int
    resource_id: str
    type: str
    license: str
    formats: int
    checked: bool
    compat: int
    downloads: int
    texts: dict[str, str]  # FIELDS and "text": tokens, space-separated
    tags: list[str]


@dataclass
class Place:
    """Where an item goes in an order: after ``before`` and ahead of ``after`` (unchanged
    items; None: no such item). Places come in the order's own sequence."""

    item: Any  # an entry id, or a tag
    before: Any | None
    after: Any | None


@dataclass
class Changes:
    generation: int
    resources: list[str] = field(default_factory=list)  # every resource whose entry changed
    entries: list[Entry] = field(default_factory=list)  # of those still listed
    by_time: list[Place] = field(default_factory=list)
    by_name: list[Place] = field(default_factory=list)
    new_tags: list[Place] = field(default_factory=list)  # tags memory does not know yet


def read(conn: Connection, *, since: int, known_tags: Container[str], limit: int) -> Changes | None:
    """The changes after generation ``since`` (call inside one consistent transaction); None
    when the log no longer holds them all, one of them may have changed anything, or more
    than ``limit`` resources changed: the index is then better read whole."""
    now = index.generation(conn)
    if now <= since:
        return Changes(generation=since) if now == since else None
    log = conn.execute(
        select(SearchChange.generation, SearchChange.resource_id)
        .where(SearchChange.generation > since)
        .order_by(SearchChange.generation)
    ).all()
    complete = len(log) == now - since and log[0][0] == since + 1
    if not complete or any(rid is None for _, rid in log):
        return None
    resources = list(dict.fromkeys(str(rid) for _, rid in log))
    if len(resources) > limit:
        return None
    entries = _entries(conn, resources)
    ids = [e.id for e in entries]
    return Changes(
        generation=now,
        resources=resources,
        entries=entries,
        by_time=_places(conn, ids, "time"),
        by_name=_places(conn, ids, "name"),
        new_tags=_new_tags(conn, entries, known_tags),
    )


def _entries(conn: Connection, resources: list[str]) -> list[Entry]:
    rows = conn.execute(
        select(*ENTRY_COLUMNS)
        .where(SearchEntry.resource_id.in_(resources))
        .order_by(SearchEntry.id)
    ).all()
    texts = full_text(conn, [int(r[0]) for r in rows])
    tags: dict[str, list[str]] = {}
    listed = [r[1] for r in rows]
    for rid, tag in conn.execute(
        select(ResourceTag.resource_id, ResourceTag.tag).where(ResourceTag.resource_id.in_(listed))
    ):
        tags.setdefault(rid, []).append(tag)
    return [
        Entry(
            id=int(r[0]),
            resource_id=r[1],
            type=r[2],
            license=r[3] or "",
            formats=int(r[4]),
            checked=bool(r[5]),
            compat=int(r[COMPAT_AT] or 0),
            downloads=int(r[6]),
            texts={name: str(r[TOKENS_AT + i]) for i, name in enumerate(FIELDS)}
            | {"text": texts.get(int(r[0]), "")},
            tags=tags.get(r[1], []),
        )
        for r in rows
    ]


def _statement(sql: str) -> TextClause:
    return text(sql).bindparams(bindparam("ids", expanding=True))


# per order: the changed entries in order, and an entry's unchanged neighbours before and after
# it (row-value comparisons on the order's index: one short index scan each)
ORDERS = {
    "time": (
        _statement(
            "SELECT id FROM search_entries WHERE id IN :ids ORDER BY updated_at, resource_id"
        ),
        _statement(
            "SELECT o.id FROM search_entries o JOIN search_entries m ON m.id = :id "
            "WHERE (o.updated_at, o.resource_id) < (m.updated_at, m.resource_id) "
            "AND o.id NOT IN :ids ORDER BY o.updated_at DESC, o.resource_id DESC LIMIT 1"
        ),
        _statement(
            "SELECT o.id FROM search_entries o JOIN search_entries m ON m.id = :id "
            "WHERE (o.updated_at, o.resource_id) > (m.updated_at, m.resource_id) "
            "AND o.id NOT IN :ids ORDER BY o.updated_at, o.resource_id LIMIT 1"
        ),
    ),
    "name": (
        _statement("SELECT id FROM search_entries WHERE id IN :ids ORDER BY name_key, resource_id"),
        _statement(
            "SELECT o.id FROM search_entries o JOIN search_entries m ON m.id = :id "
            "WHERE (o.name_key, o.resource_id) < (m.name_key, m.resource_id) "
            "AND o.id NOT IN :ids ORDER BY o.name_key DESC, o.resource_id DESC LIMIT 1"
        ),
        _statement(
            "SELECT o.id FROM search_entries o JOIN search_entries m ON m.id = :id "
            "WHERE (o.name_key, o.resource_id) > (m.name_key, m.resource_id) "
            "AND o.id NOT IN :ids ORDER BY o.name_key, o.resource_id LIMIT 1"
        ),
    ),
}


def _places(conn: Connection, ids: list[int], order: str) -> list[Place]:
    """Each changed entry, in ``order``, with its unchanged neighbours there."""
    if not ids:
        return []
    in_order, before, after = ORDERS[order]

    def neighbour(statement: TextClause, entry_id: int) -> int | None:
        found = conn.scalar(statement, {"id": entry_id, "ids": ids})
        return int(found) if found is not None else None

    return [
        Place(int(i), neighbour(before, int(i)), neighbour(after, int(i)))
        for i in conn.scalars(in_order, {"ids": ids})
    ]


def _new_tags(conn: Connection, entries: list[Entry], known: Container[str]) -> list[Place]:
    """The tags memory has never seen, each with its neighbours among the tags of listed
    entries (which memory knows: every listed entry that did not change is in it)."""
    new = sorted({t for e in entries for t in e.tags if t not in known})
    if not new:
        return []
    tag = ResourceTag.tag
    listed = exists().where(SearchEntry.resource_id == ResourceTag.resource_id)

    def neighbour(name: str, ahead: bool) -> str | None:
        found = conn.scalar(
            select(tag)
            .where(and_(tag > name if ahead else tag < name, tag.not_in(new), listed))
            .order_by(tag.asc() if ahead else tag.desc())
            .limit(1)
        )
        return str(found) if found is not None else None

    in_order = conn.scalars(select(tag).where(tag.in_(new)).distinct().order_by(tag))
    return [Place(str(t), neighbour(str(t), False), neighbour(str(t), True)) for t in in_order]
