"""Rows as portable JSON: every mapped table read in primary-key order, values written in forms
both databases read back (datetimes as ISO 8601 with their zone, enums by name, bytes as
base64), and written into another database, of either kind, in dependency order."""

from __future__ import annotations

import base64
import enum
from collections.abc import Callable, Iterator
from datetime import date, datetime
from typing import Any

from sqlalchemy import (
    JSON,
    Connection,
    Date,
    DateTime,
    LargeBinary,
    Table,
    func,
    null,
    select,
    text,
)
from sqlalchemy import Enum as SqlEnum
from sqlalchemy.types import TypeDecorator, TypeEngine

from modelhub.all_models import Base
from modelhub.search import fts

_BATCH = 500


def tables() -> list[Table]:
    """Every table of the hub, parents before children."""
    return list(Base.metadata.sorted_tables)


def _encode(value: Any) -> Any:
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, enum.Enum):
        return value.name
    if isinstance(value, bytes):
        return base64.b64encode(value).decode("ascii")
    return value


def read_table(conn: Connection, table: Table) -> Iterator[dict[str, Any]]:
    """Every row of ``table`` as a JSON-ready dict, in primary-key order."""
    query = select(table).order_by(*table.primary_key.columns)
    for row in conn.execution_options(yield_per=_BATCH).execute(query).mappings():
        yield {key: _encode(value) for key, value in row.items()}


def _decoder(kind: TypeEngine[Any]) -> Callable[[Any], Any]:
    impl = kind.impl_instance if isinstance(kind, TypeDecorator) else kind
    if isinstance(impl, SqlEnum) and impl.enum_class is not None:
        members = impl.enum_class
        return lambda v: members[v]
    if isinstance(impl, DateTime):
        return datetime.fromisoformat
    if isinstance(impl, Date):
        return date.fromisoformat
    if isinstance(impl, LargeBinary):
        return base64.b64decode
    return lambda v: v


def write_table(conn: Connection, table: Table, rows: Iterator[dict[str, Any]]) -> int:
    """Insert ``rows`` (as ``read_table`` gave them) into ``table``; returns how many."""
    decoders = {c.name: _decoder(c.type) for c in table.columns}
    # None in a JSON column is SQL NULL here (the JSON type would write the JSON 'null')
    json_columns = {c.name for c in table.columns if isinstance(c.type, JSON)}
    count, batch = 0, []
    for row in rows:
        unknown = row.keys() - decoders.keys()
        if unknown:
            raise ValueError(f"{table.name}: columns {sorted(unknown)} are not in this schema")
        batch.append(
            {
                key: (null() if key in json_columns else None)
                if value is None
                else decoders[key](value)
                for key, value in row.items()
            }
        )
        if len(batch) == _BATCH:
            conn.execute(table.insert(), batch)
            count, batch = count + len(batch), []
    if batch:
        conn.execute(table.insert(), batch)
        count += len(batch)
    return count


def read_fulltext(conn: Connection) -> Iterator[dict[str, Any]]:
    """The search index's full text per entry (SQLite's FTS5 table, PostgreSQL's tsvector)."""
    if conn.dialect.name == "postgresql":
        query = text(
            "SELECT id, array_to_string(tsvector_to_array(tsv), ' ') FROM search_entries"
            " WHERE tsv IS NOT NULL ORDER BY id"
        )
    else:
        query = text("SELECT rowid, tokens FROM search_fts ORDER BY rowid")
    for entry_id, tokens in conn.execute(query):
        yield {"entry": entry_id, "tokens": tokens or ""}


def write_fulltext(conn: Connection, items: Iterator[dict[str, Any]]) -> int:
    count = 0
    for item in items:
        fts.write(conn, entry_id=int(item["entry"]), token_list=str(item["tokens"]).split())
        count += 1
    return count


def empty_all(conn: Connection) -> None:
    """Delete every row (children first): what migrations seeded goes too."""
    fts.clear(conn)
    for table in reversed(tables()):
        conn.execute(table.delete())


def reset_sequences(conn: Connection) -> None:
    """PostgreSQL: each serial key's sequence continues after the largest restored key."""
    if conn.dialect.name != "postgresql":
        return  # SQLite's keys follow the largest present
    for table in tables():
        for column in table.primary_key.columns:
            sequence = conn.scalar(select(func.pg_get_serial_sequence(table.name, column.name)))
            if sequence is not None:
                highest = conn.scalar(select(func.max(column)))
                conn.execute(select(func.setval(sequence, (highest or 0) + 1, False)))
