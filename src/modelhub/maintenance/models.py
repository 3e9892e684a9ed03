"""The lease table: which process runs a periodic maintenance task, and when it last ran."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from modelhub.db import Base, UtcDateTime


class MaintenanceLease(Base):
    """One row per task (``gc``, ``usage_fold``, ``prediction_retention``): a process takes it
    with a guarded UPDATE, runs the task and hands it back; a holder that dies loses it when
    ``expires_at`` passes. ``runs`` counts the runs started, whichever process ran them."""

    __tablename__ = "maintenance_leases"

    name: Mapped[str] = mapped_column(String(64), primary_key=True)
    holder: Mapped[str | None] = mapped_column(String(255))
    expires_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    last_started_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    last_finished_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    last_result: Mapped[Any] = mapped_column(JSON(none_as_null=True), nullable=True)
    runs: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
