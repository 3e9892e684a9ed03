"""Usage tables: raw events (append-only, expire), daily rollups (kept), the fold's watermark,
and the DOIs that name published versions (for reports by DOI)."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import BigInteger, Boolean, Date, Index, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from modelhub.db import Base, UtcDateTime

BigId = BigInteger().with_variant(Integer(), "sqlite")  # SQLite's rowid is its autoincrement
HUB = "hub"
REPORT = "report"
UNKNOWN = "unknown"


class UsageEvent(Base):
    """One download: served by the hub (``origin`` hub) or reported by consumer software
    (``report``). Written once, read by the fold and the live counters, deleted after
    ``usage_raw_retention_days``."""

    __tablename__ = "usage_events"
    __table_args__ = (
        Index("ix_usage_events_visitor_at", "visitor", "at"),
        Index("ix_usage_events_at", "at"),
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    at: Mapped[datetime] = mapped_column(UtcDateTime)
    resource_id: Mapped[str] = mapped_column(String(64))
    version_number: Mapped[int] = mapped_column(Integer)
    consumer: Mapped[str] = mapped_column(String(64))
    consumer_version: Mapped[str] = mapped_column(String(64))
    visitor: Mapped[str] = mapped_column(String(32))
    is_bot: Mapped[bool] = mapped_column(Boolean)
    origin: Mapped[str] = mapped_column(String(8))
    kind: Mapped[str] = mapped_column(String(16))


class UsageRollup(Base):
    """Downloads of one day, resource, version, consumer (at a version) and people/bots:
    ``hits`` every download, ``downloads`` those left after the 30-minute de-duplication."""

    __tablename__ = "usage_rollups"
    __table_args__ = (Index("ix_usage_rollups_resource_day", "resource_id", "day"),)

    day: Mapped[date] = mapped_column(Date, primary_key=True)
    resource_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    version_number: Mapped[int] = mapped_column(Integer, primary_key=True)
    consumer: Mapped[str] = mapped_column(String(64), primary_key=True)
    consumer_version: Mapped[str] = mapped_column(String(64), primary_key=True)
    is_bot: Mapped[bool] = mapped_column(Boolean, primary_key=True)
    hits: Mapped[int] = mapped_column(BigInteger, default=0)
    downloads: Mapped[int] = mapped_column(BigInteger, default=0)


class UsageState(Base):
    """The fold's watermark: events up to ``last_event_id`` are in the rollups."""

    __tablename__ = "usage_state"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    last_event_id: Mapped[int] = mapped_column(BigInteger, default=0)
    folded_at: Mapped[datetime | None] = mapped_column(UtcDateTime)


class UsageDoi(Base):
    """A DOI a published version's rdf gives for itself (``doi``, the ``config`` sections'
    ``doi`` / ``concept_doi`` / ``_conceptdoi``, or an ``id`` that is a DOI), lower-cased;
    ``version_number`` is None for a concept DOI (every version)."""

    __tablename__ = "usage_dois"

    doi: Mapped[str] = mapped_column(String(255), primary_key=True)
    resource_id: Mapped[str] = mapped_column(String(64), index=True)
    version_number: Mapped[int | None] = mapped_column(Integer)
