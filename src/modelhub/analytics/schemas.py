"""Pydantic I/O of usage analytics: reports in, statistics out (pages, REST and CLI read these)."""

from __future__ import annotations

from datetime import date

from pydantic import BaseModel, Field

_NAME = 128


class DownloadReport(BaseModel):
    """A download that consumer software reports (the clean twin of ``/matomo.php``)."""

    resource_id: str = Field(min_length=1, max_length=200, description="Resource id or nickname")
    version: int | None = Field(default=None, ge=1, description="Version number; none: latest")
    consumer: str | None = Field(default=None, max_length=_NAME, description="e.g. ilastik")
    consumer_version: str | None = Field(default=None, max_length=_NAME)


class ReportAccepted(BaseModel):
    resource_id: str
    version: int | None
    consumer: str
    consumer_version: str
    is_bot: bool


class Split(BaseModel):
    """Downloads counted for people and for bots (CI, crawlers), apart."""

    people: int = 0
    bots: int = 0


class VersionUsage(BaseModel):
    version: int
    downloads: Split


class ConsumerUsage(BaseModel):
    """Downloads by one consumer software at one version (``unknown`` when it did not say)."""

    consumer: str
    consumer_version: str
    downloads: Split


class SeriesPoint(BaseModel):
    """People's downloads on one day by one consumer software (all its versions)."""

    day: date
    consumer: str
    downloads: int


class PeriodCount(BaseModel):
    """People's downloads in one period: ``YYYY-MM-DD``, ``YYYY-MM`` or ``YYYY``."""

    period: str
    downloads: int


class ResourceUsage(BaseModel):
    """One resource's downloads: every version together (the concept) and apart."""

    resource_id: str
    totals: Split
    per_version: list[VersionUsage]
    per_consumer: list[ConsumerUsage]
    series: list[SeriesPoint] = Field(description="Per day and consumer, the last 365 days")
    per_month: list[PeriodCount] = []
    per_year: list[PeriodCount] = []


class TopResource(BaseModel):
    resource_id: str
    name: str
    downloads: int = Field(description="People's downloads, every version")


class PartnerUsage(BaseModel):
    partner_id: str
    name: str
    downloads: int = Field(description="People's downloads of the partner's resources")


class DayCount(BaseModel):
    day: date
    downloads: int


class HubUsage(BaseModel):
    """The whole hub's downloads."""

    totals: Split
    top_resources: list[TopResource]
    per_consumer: list[ConsumerUsage]
    per_partner: list[PartnerUsage]
    series: list[DayCount] = Field(description="People's downloads per day, the last 365 days")


class LiveCounters(BaseModel):
    """Visits (distinct visitors) and actions (downloads) in the last ``minutes``."""

    minutes: int
    visits: int
    actions: int
    visitors: int
