"""The statistics of ``modelhub.analytics`` as the usage pages show them (``pages.usage``):
people's downloads (bots are counted apart and shown as a total), per version, per consumer
software (all its versions together), and month by month per consumer software."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from datetime import date

from sqlalchemy.orm import Session

from modelhub.analytics import stats
from modelhub.analytics.schemas import ConsumerUsage
from modelhub.pages.usage import Count, ResourceCount, ResourceUsageSection, UsagePage, UsageSeries


def _consumers(rows: Iterable[ConsumerUsage]) -> list[Count]:
    """People's downloads per consumer software, all its versions together, most first."""
    totals: dict[str, int] = defaultdict(int)
    for row in rows:
        totals[row.consumer] += row.downloads.people
    ordered = sorted(totals.items(), key=lambda kv: (-kv[1], kv[0]))
    return [Count(label=name, downloads=n) for name, n in ordered if n > 0]


def _monthly(points: Iterable[tuple[date, str, int]]) -> UsageSeries:
    by: dict[str, dict[date, int]] = defaultdict(lambda: defaultdict(int))
    for day, consumer, n in points:
        by[consumer][day.replace(day=1)] += n
    return UsageSeries(
        period="month",
        by_consumer={c: sorted(months.items()) for c, months in sorted(by.items())},
    )


def resource_section(db: Session, *, resource_id: str) -> ResourceUsageSection:
    """A model page's "Downloads" section."""
    usage = stats.resource_usage(db, resource_id)
    people, bots = usage.totals.people, usage.totals.bots
    return ResourceUsageSection(
        resource_id=resource_id,
        total=people + bots,
        people=people,
        bots=bots,
        per_version=[
            Count(label=f"v{v.version}", downloads=v.downloads.people)
            for v in sorted(usage.per_version, key=lambda v: -v.version)
        ],
        per_consumer=_consumers(usage.per_consumer),
        series=_monthly((p.day, p.consumer, p.downloads) for p in usage.series),
    )


def hub_page(db: Session) -> UsagePage:
    """The hub statistics page."""
    usage = stats.hub_usage(db)
    people, bots = usage.totals.people, usage.totals.bots
    days = [d.day for d in usage.series if d.downloads]
    return UsagePage(
        total=people + bots,
        people=people,
        bots=bots,
        resources=stats.downloaded_resources(db),
        since=min(days) if days else None,
        top_resources=[
            ResourceCount(id=t.resource_id, name=t.name, downloads=t.downloads)
            for t in usage.top_resources
        ],
        per_consumer=_consumers(usage.per_consumer),
        series=_monthly((d.day, "all software", d.downloads) for d in usage.series),
    )
