"""Predictions: one run of a model version on one set of input images, owned by who asked.

A prediction is private to its owner: a signed-in person (``owner_user_id``) or, where trial
runs without an account are allowed, a browser's trial cookie (``owner_trial``: the sha256 of
its random token). Its inputs and results are blobs of the predictions' own storage (never the
packages' storage, so that deleting them at the end of the retention period cannot touch a
package file); ``PredictionBlob`` rows say which blobs each prediction holds.
"""

from __future__ import annotations

import enum
from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Boolean, Enum, Float, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from modelhub.db import Base, UtcDateTime, utcnow


class PredictionStatus(enum.StrEnum):
    waiting = "waiting"  # in the hub's fair queue, not yet handed to the workers
    queued = "queued"  # handed to the workers (a job), not started
    running = "running"
    succeeded = "succeeded"
    failed = "failed"
    cancelled = "cancelled"

    @property
    def finished(self) -> bool:
        return self in (
            PredictionStatus.succeeded,
            PredictionStatus.failed,
            PredictionStatus.cancelled,
        )


ACTIVE = (PredictionStatus.queued, PredictionStatus.running)
"""Handed to the workers: these count against the hub's prediction slots."""


class Prediction(Base):
    """One prediction (see the module docstring)."""

    __tablename__ = "predictions"
    __table_args__ = (
        Index("ix_predictions_status_created", "status", "created_at"),
        Index("ix_predictions_user_created", "owner_user_id", "created_at"),
        Index("ix_predictions_trial_created", "owner_trial", "created_at"),
    )

    id: Mapped[str] = mapped_column(String(32), primary_key=True)  # random, unguessable
    batch: Mapped[str] = mapped_column(String(32), index=True)  # the request that made it
    resource_id: Mapped[str] = mapped_column(String(64), index=True)
    version_id: Mapped[int] = mapped_column(
        ForeignKey("resource_versions.id", ondelete="CASCADE"), index=True
    )
    version_number: Mapped[int | None] = mapped_column(Integer)
    weight_format: Mapped[str] = mapped_column(String(32))
    owner_user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    owner_trial: Mapped[str | None] = mapped_column(String(64))
    client_hash: Mapped[str | None] = mapped_column(String(64), index=True)
    status: Mapped[PredictionStatus] = mapped_column(
        Enum(PredictionStatus, native_enum=False, length=16, validate_strings=True)
    )
    # [{"name", "blob", "file_name", "axes", "explanation": [..], "shape", "dtype", "size"}]
    inputs: Mapped[list[dict[str, Any]]] = mapped_column(JSON)
    # [{"name", "blob", "axes", "shape", "dtype"}]
    outputs: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
    test_input: Mapped[bool] = mapped_column(Boolean, default=False)
    progress: Mapped[float] = mapped_column(Float, default=0.0)
    progress_note: Mapped[str | None] = mapped_column(String(200))
    error_code: Mapped[str | None] = mapped_column(String(64))
    message: Mapped[str | None] = mapped_column(Text)
    device: Mapped[str | None] = mapped_column(String(64))
    warm: Mapped[bool | None] = mapped_column(Boolean)
    blocks: Mapped[int | None] = mapped_column(Integer)
    load_s: Mapped[float | None] = mapped_column(Float)
    predict_s: Mapped[float | None] = mapped_column(Float)
    duration_s: Mapped[float | None] = mapped_column(Float)
    log: Mapped[str] = mapped_column(Text, default="")
    job_id: Mapped[int | None] = mapped_column(Integer)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)
    queued_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    started_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    finished_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    expires_at: Mapped[datetime] = mapped_column(UtcDateTime, index=True)

    @property
    def owner_key(self) -> str:
        """Who the fair queue serves in turn: a person, or one trial browser."""
        if self.owner_user_id is not None:
            return f"user:{self.owner_user_id}"
        return f"trial:{self.owner_trial}"


class PredictionBlob(Base):
    """A blob of the predictions' storage that a prediction holds (an input or a result)."""

    __tablename__ = "prediction_blobs"

    prediction_id: Mapped[str] = mapped_column(
        ForeignKey("predictions.id", ondelete="CASCADE"), primary_key=True
    )
    sha256: Mapped[str] = mapped_column(String(64), primary_key=True, index=True)
