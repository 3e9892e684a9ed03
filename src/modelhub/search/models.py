"""The search index: one denormalised row per published resource, refreshed with the listing.

The full-text part lives beside it and is written by ``search.fts``: on SQLite the FTS5 table
``search_fts`` (rowid = entry id), on PostgreSQL the ``tsv`` column (tsvector, GIN index) that
migration 0006 adds to ``search_entries``. Neither is mapped here, because each exists on one
engine only."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal, get_args

from sqlalchemy import JSON, BigInteger, Boolean, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from modelhub.db import Base, UtcDateTime

# the weight formats of bioimage.io model descriptions, one bit each (filters and facets are
# then integer arithmetic on one column, the same on both engines)
WeightFormat = Literal[
    "pytorch_state_dict",
    "torchscript",
    "onnx",
    "tensorflow_saved_model_bundle",
    "keras_hdf5",
    "keras_v3",
    "tensorflow_js",
]
WEIGHT_FORMATS: tuple[str, ...] = get_args(WeightFormat)
FORMAT_BITS = {name: 1 << i for i, name in enumerate(WEIGHT_FORMATS)}


class SearchEntry(Base):
    """What the catalog lists and searches for one published resource."""

    __tablename__ = "search_entries"
    __table_args__ = (
        # every order ends with the resource id, so that equal keys come in the same order
        Index("ix_search_entries_updated", "updated_at", "resource_id"),
        Index("ix_search_entries_name", "name_key", "resource_id"),
        Index("ix_search_entries_downloads", "downloads", "updated_at", "resource_id"),
        Index("ix_search_entries_facets", "type", "license", "checked", "formats_mask"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    resource_id: Mapped[str] = mapped_column(
        ForeignKey("resources.id", ondelete="CASCADE"), unique=True
    )
    version_id: Mapped[int] = mapped_column(
        ForeignKey("resource_versions.id", ondelete="CASCADE"), index=True
    )
    version_number: Mapped[int] = mapped_column(Integer)
    type: Mapped[str] = mapped_column(String(16))
    emoji: Mapped[str] = mapped_column(String(16))
    name: Mapped[str] = mapped_column(String(255))
    name_key: Mapped[str] = mapped_column(String(255))  # folded: sorting by name
    description: Mapped[str] = mapped_column(Text)
    license: Mapped[str | None] = mapped_column(String(64), index=True)
    tags: Mapped[list[str]] = mapped_column(JSON)
    authors: Mapped[list[str]] = mapped_column(JSON)
    formats_mask: Mapped[int] = mapped_column(Integer, default=0)
    # {"onnx": "passed", "torchscript": "failed", "pytorch_state_dict": "not_run"}
    checks: Mapped[dict[str, Any]] = mapped_column(JSON)
    checked: Mapped[bool] = mapped_column(Boolean, default=False)  # latest finished check passed
    # "compatible with …" badges of the listed version ([{"id", "name", "by"}], ``compat``),
    # and their bits (``compat.targets``): the catalog filter is one integer test
    compatible: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
    compat_mask: Mapped[int] = mapped_column(BigInteger, default=0)
    cover: Mapped[str | None] = mapped_column(String(1024))  # path inside the listed version
    downloads: Mapped[int] = mapped_column(Integer, default=0)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)
    published_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime)
    # tokens per field for ranking (see ``search.tokens.field``); all tokens go to full text
    name_tokens: Mapped[str] = mapped_column(Text)
    tag_tokens: Mapped[str] = mapped_column(Text)
    description_tokens: Mapped[str] = mapped_column(Text)
    author_tokens: Mapped[str] = mapped_column(Text)


class SearchDocument(Base):
    """The tokens of a published version's documentation, read from storage once when it is
    published (versions never change), so that later refreshes need no storage."""

    __tablename__ = "search_documents"

    version_id: Mapped[int] = mapped_column(
        ForeignKey("resource_versions.id", ondelete="CASCADE"), primary_key=True
    )
    tokens: Mapped[str] = mapped_column(Text)


class SearchCount(Base):
    """How many listed resources have each facet value, kept with every refresh: the facets
    of the whole catalog without counting 100,000 rows per page view."""

    __tablename__ = "search_counts"

    facet: Mapped[str] = mapped_column(String(16), primary_key=True)
    value: Mapped[str] = mapped_column(String(128), primary_key=True)
    count: Mapped[int] = mapped_column(Integer)


# the ``search_state`` row that asks the hub to build the index again from the catalog:
# migration 0006 writes it when resources were published before the index existed (it never
# runs the index's code itself), ``search.rebuild`` builds the index and deletes it
REBUILD_MARK = 2


class SearchState(Base):
    """One row (id 1) whose ``generation`` every change of the index bumps in its own
    transaction: a copy of the index kept in memory (``search.memory``) is current exactly when
    it was read at the generation the database holds now. A row with id ``REBUILD_MARK``
    (its generation unused), while present, says the index must be rebuilt."""

    __tablename__ = "search_state"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    generation: Mapped[int] = mapped_column(BigInteger)


class SearchChange(Base):
    """One row per change of the index, written with the generation it bumped to: which
    resource's entry changed (None: anything may have changed, e.g. a bulk load). The copies
    of the index in memory read the rows after their own generation and apply only those
    entries; rows older than ``index.KEEP_CHANGES`` generations are pruned."""

    __tablename__ = "search_changes"

    generation: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    resource_id: Mapped[str | None] = mapped_column(String(64))
