"""Partners' test summaries, the bits of the catalog's compatibility filter, the state of each
partner's pull and the notices sent to partners' CI."""

from __future__ import annotations

import enum
from datetime import datetime
from typing import Any

from sqlalchemy import (
    JSON,
    Enum,
    Float,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from modelhub.db import Base, UtcDateTime, utcnow


class SummaryStatus(enum.StrEnum):
    """A test's outcome, normalised from the words partners use (``not-applicable`` …)."""

    passed = "passed"
    failed = "failed"
    not_applicable = "not_applicable"


class SummaryOrigin(enum.StrEnum):
    push = "push"  # sent by the partner's CI to the API
    pull = "pull"  # fetched by the hub from the partner's test_summary_url


class SummaryShape(enum.StrEnum):
    test_summary = "test_summary"  # bioimageio.core's test summary (test_summary_*.yaml)
    report = "report"  # today's per-tool report JSON (<tool>_<tool version>.json)


def _enum(cls: type[enum.StrEnum]) -> Enum:
    return Enum(cls, native_enum=False, length=16, validate_strings=True)


class PartnerSummary(Base):
    """One partner's result of one test of one published version with one tool version.

    The key is (resource, version number, partner, tool, tool version, test): a summary sent
    again with the same key replaces the row."""

    __tablename__ = "partner_summaries"
    __table_args__ = (
        UniqueConstraint(
            "resource_id",
            "version_number",
            "partner_id",
            "tool",
            "tool_version",
            "test",
            name="uq_partner_summaries_key",
        ),
        Index("ix_partner_summaries_partner", "partner_id", "resource_id"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    resource_id: Mapped[str] = mapped_column(ForeignKey("resources.id", ondelete="CASCADE"))
    version_number: Mapped[int] = mapped_column(Integer)
    partner_id: Mapped[str] = mapped_column(ForeignKey("partners.id", ondelete="CASCADE"))
    tool: Mapped[str] = mapped_column(String(100))
    tool_version: Mapped[str] = mapped_column(String(100))
    # the test's name or setting (the * of test_summary_*.yaml); "" for a per-tool report
    test: Mapped[str] = mapped_column(String(200))
    status: Mapped[SummaryStatus] = mapped_column(_enum(SummaryStatus))
    error: Mapped[str | None] = mapped_column(Text)
    score: Mapped[float | None] = mapped_column(Float)
    shape: Mapped[SummaryShape] = mapped_column(_enum(SummaryShape))
    # the document as the partner sent it
    document: Mapped[dict[str, Any]] = mapped_column(JSON)
    origin: Mapped[SummaryOrigin] = mapped_column(_enum(SummaryOrigin))
    source_url: Mapped[str | None] = mapped_column(String(2000))  # where a pull found it
    received_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)


class CompatTarget(Base):
    """The bit of a consumer (a partner id, or a consumer software of ``consumers``) in the
    search entries' ``compat_mask``: the catalog filter is then one integer test, the same on
    both engines and in the in-memory index. Bits are given once and never reused."""

    __tablename__ = "compat_targets"

    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    bit: Mapped[int] = mapped_column(Integer, unique=True)


class SummaryPull(Base):
    """A partner's pulls of test summaries: the ``generation`` names the pull job now due or
    running (its dedupe key), and is bumped when that job ends, so that exactly one pull per
    partner runs at a time, whichever process asks."""

    __tablename__ = "summary_pulls"

    partner_id: Mapped[str] = mapped_column(
        ForeignKey("partners.id", ondelete="CASCADE"), primary_key=True
    )
    generation: Mapped[int] = mapped_column(Integer, default=0)
    last_started_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    last_finished_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    last_stored: Mapped[int] = mapped_column(Integer, default=0)
    # problems of the last pull (addresses that failed, documents refused), in plain words
    last_problems: Mapped[list[str]] = mapped_column(JSON, default=list)


class DeliveryStatus(enum.StrEnum):
    pending = "pending"
    delivered = "delivered"
    failed = "failed"


class CiNotice(Base):
    """One signed notice to a partner's CI hook (a version published or yanked), with the
    exact body every attempt sends."""

    __tablename__ = "partner_ci_notices"
    __table_args__ = (UniqueConstraint("partner_id", "about", name="uq_partner_ci_notices_about"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    partner_id: Mapped[str] = mapped_column(ForeignKey("partners.id", ondelete="CASCADE"))
    event: Mapped[str] = mapped_column(String(64))
    about: Mapped[str] = mapped_column(String(255))
    body: Mapped[str] = mapped_column(Text)
    status: Mapped[DeliveryStatus] = mapped_column(
        _enum(DeliveryStatus), default=DeliveryStatus.pending
    )
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    last_status_code: Mapped[int | None] = mapped_column(Integer)
    last_error: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)
    delivered_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
