"""Hand-made download statistics for the page tests: what the counting side will hand the pages,
with the awkward cases in it (a hostile name, a long unbroken one, huge and zero figures)."""

from __future__ import annotations

from datetime import date

from fastapi import FastAPI, Request
from fastapi.responses import Response

from modelhub.pages.resource import ResourceCard
from modelhub.pages.usage import (
    Count,
    ResourceCount,
    ResourceUsageSection,
    UsagePage,
    UsageSeries,
    usage_page,
)
from modelhub.web import render

HOSTILE = '<script>alert("x")</script>'
LONG = "a-consumer-software-with-a-very-long-unbroken-name-" * 3
MONTHS = [date(2024, m, 1) for m in range(1, 13)]

SERIES = UsageSeries(
    period="month",
    by_consumer={
        "ilastik": [(d, 100_000 * (i + 1)) for i, d in enumerate(MONTHS)],
        "deepImageJ": [(d, 40 * i) for i, d in enumerate(MONTHS)],
        HOSTILE: [(MONTHS[5], 3)],
        LONG: [(MONTHS[11], 0), (MONTHS[10], 12)],
    },
)


def section(resource_id: str) -> ResourceUsageSection:
    return ResourceUsageSection(
        resource_id=resource_id,
        total=1_234_567,
        people=1_000,
        bots=1_233_567,
        per_version=[Count(label="v2", downloads=5), Count(label="v1", downloads=1_234_562)],
        per_consumer=[
            Count(label="ilastik", downloads=1_200_000),
            Count(label="deepImageJ", downloads=2_640),
            Count(label=LONG, downloads=12),
            Count(label=HOSTILE, downloads=3),
            Count(label="browser", downloads=0),
        ],
        series=SERIES,
    )


def hub_usage(resource_ids: list[str]) -> UsagePage:
    return UsagePage(
        total=9_876_543,
        people=6_543,
        bots=9_870_000,
        resources=len(resource_ids),
        since=date(2024, 1, 1),
        top_resources=[
            ResourceCount(id=rid, name=f"{LONG} {i}" if i == 0 else rid, downloads=1000 - i)
            for i, rid in enumerate(resource_ids)
        ],
        per_consumer=section("x").per_consumer,
        series=SERIES,
    )


STATS_PATH = "/test-only/stats"
CARD_PATH = "/test-only/card"


def add_previews(app: FastAPI, stats: UsagePage, cards: dict[str, ResourceCard]) -> None:
    """Test-only routes: ``stats`` as the hub statistics page, and ``cards["card"]`` (filled by
    the test once the server runs) as a model page with its downloads section."""

    def stats_page(request: Request) -> Response:
        return usage_page(request, stats)

    def card_page(request: Request) -> Response:
        return render.page(request, "resource.html", cards["card"])

    app.add_api_route(STATS_PATH, stats_page, methods=["GET"], include_in_schema=False)
    app.add_api_route(CARD_PATH, card_page, methods=["GET"], include_in_schema=False)
