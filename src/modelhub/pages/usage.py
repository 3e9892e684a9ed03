"""Download statistics as pages show them: the hub statistics page (``usage.html``, the JSON twin
``?format=json``) and the "Downloads" section of a model page (``_card_usage.html``).

These are view models of plain data — totals, per-version and per-consumer rows, series per
consumer software — so the pages do not depend on how downloads are counted; the counting side
fills them. The charts are drawn by the templates (``web.charts``), never stored here, so the
JSON twin carries the numbers only."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from typing import Literal

from fastapi import Request
from fastapi.responses import Response
from pydantic import BaseModel, Field

from modelhub.accounts.models import User
from modelhub.web import render

Period = Literal["day", "month", "year"]


class Count(BaseModel):
    """One row of a table: what (a version label, a consumer software) and its downloads."""

    label: str
    downloads: int = Field(ge=0)


class ResourceCount(BaseModel):
    """A resource among the most downloaded (linked to its page)."""

    id: str
    name: str
    downloads: int = Field(ge=0)


class UsageSeries(BaseModel):
    """Downloads over time per consumer software: name → (first day of the period, downloads),
    in date order; a period missing from a series counts 0."""

    period: Period = "month"
    by_consumer: dict[str, list[tuple[date, int]]] = {}


class ResourceUsageSection(BaseModel):
    """The "Downloads" section of a resource's page."""

    resource_id: str
    total: int = Field(0, ge=0)
    # people: downloads from a browser; bots: tools, pipelines, crawlers and CI
    people: int = Field(0, ge=0)
    bots: int = Field(0, ge=0)
    per_version: list[Count] = []
    per_consumer: list[Count] = []
    series: UsageSeries = UsageSeries()

    def consumer_rows(self) -> list[tuple[str, int]]:
        return rows(self.per_consumer)


class UsagePage(BaseModel):
    """The hub statistics page (``/stats``)."""

    total: int = Field(0, ge=0)
    people: int = Field(0, ge=0)
    bots: int = Field(0, ge=0)
    # resources downloaded at least once
    resources: int = Field(0, ge=0)
    since: date | None = None
    top_resources: list[ResourceCount] = []
    per_consumer: list[Count] = []
    series: UsageSeries = UsageSeries()

    def resource_rows(self) -> list[tuple[str, int]]:
        return [(r.name or r.id, r.downloads) for r in self.top_resources]

    def consumer_rows(self) -> list[tuple[str, int]]:
        return rows(self.per_consumer)


def rows(counts: Sequence[Count]) -> list[tuple[str, int]]:
    """``counts`` as the (label, figure) pairs a bar chart takes."""
    return [(c.label, c.downloads) for c in counts]


def usage_page(request: Request, data: UsagePage, *, user: User | None = None) -> Response:
    """The hub statistics page, or its JSON twin (``data`` as the template gets it)."""
    return render.page(request, "usage.html", data, extra={"user": user})
