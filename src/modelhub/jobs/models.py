"""The job table: the outbox and the state of every job."""

from __future__ import annotations

import enum
from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Enum, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from modelhub.db import Base, UtcDateTime, utcnow


class JobStatus(enum.StrEnum):
    """queued → running → succeeded | failed; running goes back to queued for a retry."""

    queued = "queued"
    running = "running"
    succeeded = "succeeded"
    failed = "failed"

    @property
    def finished(self) -> bool:
        return self in (JobStatus.succeeded, JobStatus.failed)


class Job(Base):
    """One unit of background work, named by its ``kind`` and the ids in ``payload``.

    ``attempts`` counts the runs started so far (a claim starts one); ``lease_owner`` and
    ``lease_expires_at`` say which dispatcher holds a running job and until when, so that a job
    whose dispatcher died is handed out again (see ``service.requeue_orphans``).
    """

    __tablename__ = "jobs"
    # the dispatcher's claim query: the oldest queued jobs first
    __table_args__ = (Index("ix_jobs_status_id", "status", "id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    kind: Mapped[str] = mapped_column(String(64))
    payload: Mapped[dict[str, Any]] = mapped_column(JSON)
    status: Mapped[JobStatus] = mapped_column(
        Enum(JobStatus, native_enum=False, length=16, validate_strings=True),
        default=JobStatus.queued,
    )
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    # None until the first claim, which fills in the dispatcher's default
    max_attempts: Mapped[int | None] = mapped_column(Integer)
    dedupe_key: Mapped[str | None] = mapped_column(String(255), unique=True)
    created_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL"), index=True
    )
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)
    # not handed out before this time (None: at once); a retry with backoff sets it
    run_after: Mapped[datetime | None] = mapped_column(UtcDateTime)
    started_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    finished_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    lease_owner: Mapped[str | None] = mapped_column(String(255))
    lease_expires_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    error: Mapped[str | None] = mapped_column(Text)
    # small and JSON only (see service.finish); None is stored as SQL NULL
    result: Mapped[Any] = mapped_column(JSON(none_as_null=True), nullable=True)
