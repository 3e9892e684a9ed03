"""Pydantic I/O of compatibility: summaries as the model page and the API show them, per
partner, the version's badges, and a partner's pull state."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, Field

from modelhub.compat.models import SummaryOrigin, SummaryShape, SummaryStatus
from modelhub.compat.verdict import Badge


class SummaryRead(BaseModel):
    """One test result; both shapes read alike (``details``: the traceback of a test
    summary, or a report's details, as text)."""

    tool: str
    tool_version: str
    test: str
    status: SummaryStatus
    error: str | None
    score: float | None
    details: str | None = Field(description="Traceback or details, shortened for display")
    shape: SummaryShape
    origin: SummaryOrigin
    source_url: str | None
    received_at: datetime


class PartnerResults(BaseModel):
    partner_id: str
    partner_name: str
    compatible: bool = Field(description="The newest tool version of each test passed")
    summaries: list[SummaryRead]


class VersionSummaries(BaseModel):
    resource_id: str
    version: str
    badges: list[Badge]
    partners: list[PartnerResults]


class PullState(BaseModel):
    partner_id: str
    test_summary_url: str | None
    running: bool = Field(description="A pull is queued or running")
    last_started_at: datetime | None
    last_finished_at: datetime | None
    last_stored: int
    last_problems: list[str]
