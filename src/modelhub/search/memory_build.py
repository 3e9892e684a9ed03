"""Reading the whole search index into numpy arrays: postings per field, one column per entry
attribute, the tag pairs, and the orders the database itself gives (so that ties and text
collation follow the SQL path exactly).

Documents are numbered by position (entries in id order). Everything is read in one
transaction, after the generation, so a copy is never older than the generation it carries."""

from __future__ import annotations

import sys
from bisect import bisect_left
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt
from sqlalchemy import Connection, Engine, select, text
from sqlalchemy.orm import InstrumentedAttribute

from modelhub.catalog.models import ResourceTag
from modelhub.search import index
from modelhub.search.models import SearchEntry

IntArray = npt.NDArray[np.int64]
DocArray = npt.NDArray[np.int32]
_AFTER = "\U0010ffff"  # sorts after every character a token can hold
FIELDS = ("name", "tags", "description", "authors")


@dataclass(frozen=True)
class Postings:
    """Token → documents, as one array: the documents of ``tokens[i]`` are
    ``docs[offsets[i]:offsets[i + 1]]``; ``tokens`` is sorted, so a prefix is a slice."""

    tokens: list[str]
    offsets: IntArray
    docs: DocArray

    def docs_of(self, form: str, prefix: bool) -> DocArray:
        """The documents holding ``form`` (or a token starting with it when ``prefix``)."""
        lo = bisect_left(self.tokens, form)
        if prefix:
            hi = bisect_left(self.tokens, form + _AFTER, lo)
        else:
            hi = lo + 1 if lo < len(self.tokens) and self.tokens[lo] == form else lo
        return self.docs[self.offsets[lo] : self.offsets[hi]]

    @property
    def nbytes(self) -> int:
        strings = sum(sys.getsizeof(t) for t in self.tokens) + sys.getsizeof(self.tokens)
        return int(self.offsets.nbytes + self.docs.nbytes) + strings


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


@dataclass(frozen=True)
class Snapshot:
    """The search index at ``generation``, read-only."""

    generation: int
    entry_ids: IntArray
    types: list[str]
    type_codes: IntArray
    licenses: list[str]  # "" stands for no license
    license_codes: IntArray
    formats: IntArray
    checked: npt.NDArray[np.bool_]
    downloads: IntArray
    time_rank: IntArray  # position in ORDER BY updated_at, resource_id
    name_rank: IntArray  # position in ORDER BY name_key, resource_id
    fields: dict[str, Postings]  # FIELDS, and "text": the full text
    tags: list[str]  # in the database's order of tags
    tag_offsets: IntArray  # the documents of tags[i]: tag_docs[tag_offsets[i]:…[i + 1]]
    tag_docs: DocArray
    tag_codes: IntArray  # the tag of each pair (tag_codes[j] goes with tag_docs[j])

    @property
    def size(self) -> int:
        return len(self.entry_ids)

    @property
    def nbytes(self) -> int:
        """Roughly the memory the copy holds (arrays and token strings)."""
        arrays = [value for value in vars(self).values() if isinstance(value, np.ndarray)]
        return sum(int(a.nbytes) for a in arrays) + sum(p.nbytes for p in self.fields.values())


def _codes(values: list[str]) -> tuple[list[str], IntArray]:
    names = sorted(set(values))
    lookup = {name: i for i, name in enumerate(names)}
    return names, np.asarray([lookup[v] for v in values], dtype=np.int64)


def _full_text(conn: Connection) -> list[tuple[int, str | None]]:
    if conn.dialect.name == "postgresql":
        sql = "SELECT id, array_to_string(tsvector_to_array(tsv), ' ') FROM search_entries"
    else:
        sql = "SELECT rowid, tokens FROM search_fts"
    return [(int(i), t) for i, t in conn.execute(text(sql)).all()]


def _rank(conn: Connection, ids: IntArray, *order: InstrumentedAttribute[Any]) -> IntArray:
    found = np.asarray(conn.scalars(select(SearchEntry.id).order_by(*order)).all(), np.int64)
    rank = np.zeros(len(ids), dtype=np.int64)
    rank[np.searchsorted(ids, found)] = np.arange(len(found), dtype=np.int64)
    return rank


def _tags(conn: Connection, ids: IntArray) -> tuple[list[str], IntArray, DocArray, IntArray]:
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
    docs = np.searchsorted(ids, np.asarray([i for _, i in rows], np.int64)).astype(np.int32)
    offsets = np.zeros(len(names) + 1, dtype=np.int64)
    np.cumsum(np.bincount(tag_codes, minlength=len(names)), out=offsets[1:])
    return names, offsets, docs, tag_codes


def read(conn: Connection) -> Snapshot:
    """The snapshot of what ``conn`` sees (call inside one transaction)."""
    generation = index.generation(conn)
    e = SearchEntry
    rows = conn.execute(
        select(e.id, e.type, e.license, e.formats_mask, e.checked, e.downloads)
        .add_columns(e.name_tokens, e.tag_tokens, e.description_tokens, e.author_tokens)
        .order_by(e.id)
    ).all()
    ids = np.asarray([r[0] for r in rows], dtype=np.int64)
    position = {int(r[0]): at for at, r in enumerate(rows)}
    text_of = [""] * len(rows)
    for entry_id, joined in _full_text(conn):
        at = position.get(entry_id)
        if at is not None:
            text_of[at] = joined or ""
    types, type_codes = _codes([r[1] for r in rows])
    licenses, license_codes = _codes([r[2] or "" for r in rows])
    fields = {name: postings([r[6 + i] for r in rows]) for i, name in enumerate(FIELDS)}
    fields["text"] = postings(text_of)
    tags, tag_offsets, tag_docs, tag_codes = _tags(conn, ids)
    return Snapshot(
        generation=generation,
        entry_ids=ids,
        types=types,
        type_codes=type_codes,
        licenses=licenses,
        license_codes=license_codes,
        formats=np.asarray([r[3] for r in rows], dtype=np.int64),
        checked=np.asarray([bool(r[4]) for r in rows], dtype=np.bool_),
        downloads=np.asarray([r[5] for r in rows], dtype=np.int64),
        time_rank=_rank(conn, ids, e.updated_at, e.resource_id),
        name_rank=_rank(conn, ids, e.name_key, e.resource_id),
        fields=fields,
        tags=tags,
        tag_offsets=tag_offsets,
        tag_docs=tag_docs,
        tag_codes=tag_codes,
    )


def build(engine: Engine) -> Snapshot:
    """Read a snapshot in one consistent transaction (PostgreSQL: repeatable read; SQLite: an
    explicit BEGIN, since its driver starts none before a SELECT)."""
    with engine.connect() as conn:
        if conn.dialect.name == "postgresql":
            conn = conn.execution_options(isolation_level="REPEATABLE READ")
        with conn.begin():
            if conn.dialect.name == "sqlite":
                conn.exec_driver_sql("BEGIN")
            return read(conn)
