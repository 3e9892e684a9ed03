"""Pydantic I/O for jobs."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import BaseModel, ConfigDict

from modelhub.jobs.models import JobStatus


class JobRead(BaseModel):
    """A job as the API shows it; ``error`` says in plain words why its last attempt failed."""

    model_config = ConfigDict(from_attributes=True)

    id: int
    kind: str
    status: JobStatus
    payload: dict[str, Any]
    attempts: int
    max_attempts: int | None
    created_at: datetime
    started_at: datetime | None
    finished_at: datetime | None
    error: str | None
    result: Any = None
