"""Check runs: the automated test of one revision, kept per library version."""

from __future__ import annotations

import enum
from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Enum, Float, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from modelhub.db import Base, UtcDateTime, utcnow


class CheckStatus(enum.StrEnum):
    queued = "queued"
    running = "running"
    passed = "passed"
    failed = "failed"
    error = "error"  # our infrastructure failed, not the package

    @property
    def finished(self) -> bool:
        return self in (CheckStatus.passed, CheckStatus.failed, CheckStatus.error)


class CheckRun(Base):
    """One run of the check of one version row (a draft revision or a published version)."""

    __tablename__ = "check_runs"
    __table_args__ = (Index("ix_check_runs_version_created", "version_id", "created_at"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    version_id: Mapped[int] = mapped_column(
        ForeignKey("resource_versions.id", ondelete="CASCADE"), index=True
    )
    status: Mapped[CheckStatus] = mapped_column(
        Enum(CheckStatus, native_enum=False, length=16, validate_strings=True)
    )
    trigger: Mapped[str] = mapped_column(String(32))  # upload | recheck | recheck-all
    requested_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    reason: Mapped[str | None] = mapped_column(Text)
    # {"torchscript": {"status": "passed", "reason": None, "duration_s": 1.2}, …}
    formats: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    # the library's ValidationSummary JSON per weight format, as produced
    summaries: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    static_summary: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    library_versions: Mapped[dict[str, str]] = mapped_column(JSON, default=dict)
    library_key: Mapped[str | None] = mapped_column(String(255), index=True)
    log: Mapped[str] = mapped_column(Text, default="")
    duration_s: Mapped[float | None] = mapped_column(Float)
    job_id: Mapped[int | None] = mapped_column(Integer)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)
    started_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    finished_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
