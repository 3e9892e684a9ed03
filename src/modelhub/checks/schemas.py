"""Pydantic I/O for checks."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import BaseModel, ConfigDict

from modelhub.checks.models import CheckStatus


class FormatResultRead(BaseModel):
    status: str
    reason: str | None = None
    duration_s: float | None = None
    decided_by: str | None = None
    """``judge``: the hub compared the outputs itself, outside the sandbox (older results:
    None, the sandbox's own report decided)."""
    outputs: dict[str, dict[str, Any]] | None = None
    """The judge's comparison of each output with the package's test output."""


class CheckRunRead(BaseModel):
    """A check run; ``summaries`` and ``log`` only in the detailed view."""

    model_config = ConfigDict(from_attributes=True)

    id: int
    version_id: int
    status: CheckStatus
    trigger: str
    reason: str | None
    formats: dict[str, FormatResultRead]
    library_versions: dict[str, str]
    library_key: str | None
    duration_s: float | None
    job_id: int | None
    created_at: datetime
    started_at: datetime | None
    finished_at: datetime | None


class CheckRunDetail(CheckRunRead):
    summaries: dict[str, Any]
    static_summary: dict[str, Any] | None
    log: str


class RecheckResult(BaseModel):
    queued: int
    checks: list[CheckRunRead]
