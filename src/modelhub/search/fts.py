"""Full text on each engine: SQLite FTS5 (the ``search_fts`` table) or PostgreSQL (a tsvector
column with a GIN index). Both hold the tokens ``search.tokens`` made and are asked with terms
built from the same tokens, so both match exactly the same entries."""

from __future__ import annotations

from sqlalchemy import (
    Boolean,
    ColumnElement,
    Connection,
    Integer,
    cast,
    literal,
    literal_column,
    text,
)
from sqlalchemy.dialects.postgresql import TSQUERY
from sqlalchemy.orm import Session

from modelhub.search import tokens as tok
from modelhub.search.models import SearchEntry


def _dialect(bind: Session | Connection) -> str:
    return bind.get_bind().dialect.name if isinstance(bind, Session) else bind.dialect.name


def write(bind: Session | Connection, *, entry_id: int, token_list: list[str]) -> None:
    """Index ``token_list`` as the full text of entry ``entry_id`` (replacing what was)."""
    joined = " ".join(token_list)
    if _dialect(bind) == "postgresql":
        # array_to_tsvector takes the tokens as they are: no parser, no dictionary
        bind.execute(
            text(
                "UPDATE search_entries SET tsv = array_to_tsvector("
                "string_to_array(CAST(:tokens AS text), ' ')) WHERE id = :id"
            ),
            {"tokens": joined or None, "id": entry_id},
        )
        return
    bind.execute(text("DELETE FROM search_fts WHERE rowid = :id"), {"id": entry_id})
    bind.execute(
        text("INSERT INTO search_fts (rowid, tokens) VALUES (:id, :tokens)"),
        {"id": entry_id, "tokens": joined},
    )


def delete(bind: Session | Connection, *, entry_id: int) -> None:
    """Forget the full text of an entry (PostgreSQL's goes with the row)."""
    if _dialect(bind) != "postgresql":
        bind.execute(text("DELETE FROM search_fts WHERE rowid = :id"), {"id": entry_id})


def clear(bind: Session | Connection) -> None:
    """Forget the full text of every entry (PostgreSQL's goes with the rows)."""
    if _dialect(bind) != "postgresql":
        bind.execute(text("DELETE FROM search_fts"))


def matches(dialect: str, terms: list[tok.Term]) -> ColumnElement[bool]:
    """A condition on ``search_entries`` true for entries holding every term."""
    if dialect == "postgresql":
        query = cast(literal(tok.tsquery(terms)), TSQUERY)
        return literal_column("search_entries.tsv").op("@@", return_type=Boolean)(query)
    matching = (
        text("SELECT rowid FROM search_fts WHERE search_fts MATCH :fts_query")
        .bindparams(fts_query=tok.fts5_query(terms))
        .columns(rowid=Integer)
    )
    return SearchEntry.id.in_(matching)
