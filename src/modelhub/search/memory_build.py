"""Reading the whole search index into numpy arrays (a ``memory_store.Store``): postings per
field, one column per entry attribute, the tag pairs, and order keys in the orders the database
itself gives (so that ties and text collation follow the SQL path exactly).

Documents are numbered by position (entries in id order). Everything is read in one
transaction, after the generation, so a copy is never older than the generation it carries."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from typing import Any

import numpy as np
from sqlalchemy import Connection, Engine, select, text
from sqlalchemy.orm import InstrumentedAttribute

from modelhub.catalog.models import ResourceTag
from modelhub.search import index
from modelhub.search.memory_parts import Extra, IntArray, Postings, spaced
from modelhub.search.memory_store import FIELDS, Store, column
from modelhub.search.models import SearchEntry

ENTRY_COLUMNS = (
    SearchEntry.id,
    SearchEntry.resource_id,
    SearchEntry.type,
    SearchEntry.license,
    SearchEntry.formats_mask,
    SearchEntry.checked,
    SearchEntry.downloads,
    SearchEntry.name_tokens,
    SearchEntry.tag_tokens,
    SearchEntry.description_tokens,
    SearchEntry.author_tokens,
    SearchEntry.compat_mask,
)
TOKENS_AT = 7  # the position of name_tokens in ENTRY_COLUMNS (FIELDS follow in order)
COMPAT_AT = 11  # compat_mask, after them


def postings(texts: Sequence[str]) -> Postings:
    """Postings of space-separated token strings, one per document."""
    vocab: dict[str, int] = {}
    ids: list[int] = []
    counts = np.zeros(len(texts), dtype=np.int64)
    for doc, joined in enumerate(texts):
        found = joined.split()
        counts[doc] = len(found)
        ids.extend([vocab.setdefault(t, len(vocab)) for t in found])
    words = list(vocab)
    order = sorted(range(len(words)), key=words.__getitem__)
    rank = np.empty(len(words), dtype=np.int64)
    rank[np.asarray(order, dtype=np.int64)] = np.arange(len(words), dtype=np.int64)
    token_ids = rank[np.asarray(ids, dtype=np.int64)] if ids else np.zeros(0, np.int64)
    docs = np.repeat(np.arange(len(texts), dtype=np.int32), counts)
    by_token = np.argsort(token_ids, kind="stable")  # documents stay ascending per token
    offsets = np.zeros(len(words) + 1, dtype=np.int64)
    np.cumsum(np.bincount(token_ids, minlength=len(words)), out=offsets[1:])
    return Postings(tokens=[words[i] for i in order], offsets=offsets, docs=docs[by_token])


def full_text(conn: Connection, ids: list[int] | None = None) -> dict[int, str]:
    """Entry id → its full-text tokens (space-separated); ``ids``: those entries only."""
    if conn.dialect.name == "postgresql":
        sql = "SELECT id, array_to_string(tsvector_to_array(tsv), ' ') FROM search_entries"
        key = "id"
    else:
        sql, key = "SELECT rowid, tokens FROM search_fts", "rowid"
    if ids is not None:
        if not ids:
            return {}
        sql += f" WHERE {key} IN ({', '.join(str(int(i)) for i in ids)})"
    return {int(i): t or "" for i, t in conn.execute(text(sql)).all()}


def _keys(conn: Connection, ids: IntArray, *order: InstrumentedAttribute[Any]) -> IntArray:
    found = np.asarray(conn.scalars(select(SearchEntry.id).order_by(*order)).all(), np.int64)
    keys = np.zeros(len(ids), dtype=np.int64)
    keys[np.searchsorted(ids, found)] = spaced(len(found))
    return keys


def _tags(conn: Connection, ids: IntArray) -> tuple[list[str], IntArray, IntArray]:
    rows = conn.execute(
        select(ResourceTag.tag, SearchEntry.id)
        .join(SearchEntry, SearchEntry.resource_id == ResourceTag.resource_id)
        .order_by(ResourceTag.tag, SearchEntry.id)
    ).all()
    names: list[str] = []
    codes: list[int] = []
    for tag, _ in rows:
        if not names or names[-1] != tag:
            names.append(tag)
        codes.append(len(names) - 1)
    tag_codes = np.asarray(codes, dtype=np.int64)
    # int64 (numpy's index type): gathering with them needs no conversion
    docs = np.searchsorted(ids, np.asarray([i for _, i in rows], np.int64)).astype(np.int64)
    offsets = np.zeros(len(names) + 1, dtype=np.int64)
    np.cumsum(np.bincount(tag_codes, minlength=len(names)), out=offsets[1:])
    return names, offsets, docs


def read(conn: Connection) -> Store:
    """The index as ``conn`` sees it (call inside one transaction)."""
    generation = index.generation(conn)
    rows = conn.execute(select(*ENTRY_COLUMNS).order_by(SearchEntry.id)).all()
    ids = np.asarray([r[0] for r in rows], dtype=np.int64)
    text_of = full_text(conn)
    types = sorted({r[2] for r in rows})
    licenses = sorted({r[3] or "" for r in rows})
    type_at = {name: i for i, name in enumerate(types)}
    license_at = {name: i for i, name in enumerate(licenses)}
    fields = {
        name: postings([str(r[TOKENS_AT + i]) for r in rows]) for i, name in enumerate(FIELDS)
    }
    fields["text"] = postings([text_of.get(int(r[0]), "") for r in rows])
    tags, tag_offsets, tag_docs = _tags(conn, ids)
    e = SearchEntry
    return Store(
        generation=generation,
        alive=np.ones(len(rows), dtype=np.bool_),
        entry_ids=column(ids, np.int64),
        types=types,
        type_codes=column([type_at[r[2]] for r in rows], np.int64),
        licenses=licenses,
        license_codes=column([license_at[r[3] or ""] for r in rows], np.int64),
        formats=column([r[4] for r in rows], np.int64),
        checked=column([bool(r[5]) for r in rows], np.bool_),
        compat=column([int(r[COMPAT_AT] or 0) for r in rows], np.int64),
        downloads=column([r[6] for r in rows], np.int64),
        time_key=column(_keys(conn, ids, e.updated_at, e.resource_id), np.int64),
        name_key=column(_keys(conn, ids, e.name_key, e.resource_id), np.int64),
        base_fields=fields,
        extra_fields={name: Extra() for name in fields},
        tags=tags,
        tag_code={name: i for i, name in enumerate(tags)},
        tag_key=column(spaced(len(tags)), np.int64),
        base_tags=(tag_offsets, tag_docs),
        extra_tag_docs=column([], np.int64),
        extra_tag_codes=column([], np.int64),
        extra_tags={},
        doc_of_entry={int(r[0]): at for at, r in enumerate(rows)},
        doc_of_resource={r[1]: at for at, r in enumerate(rows)},
        base_size=len(rows),
    )


@contextmanager
def consistent(engine: Engine) -> Iterator[Connection]:
    """One transaction that sees one state of the database (PostgreSQL: repeatable read;
    SQLite: an explicit BEGIN, since its driver starts none before a SELECT)."""
    with engine.connect() as conn:
        if conn.dialect.name == "postgresql":
            conn = conn.execution_options(isolation_level="REPEATABLE READ")
        with conn.begin():
            if conn.dialect.name == "sqlite":
                conn.exec_driver_sql("BEGIN")
            yield conn


def build(engine: Engine) -> Store:
    """Read the whole index in one consistent transaction."""
    with consistent(engine) as conn:
        return read(conn)
