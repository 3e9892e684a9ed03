"""Statistics read from the rollups (current to the last fold) and, for live counters, from the
raw events. ``resource_usage`` and ``hub_usage`` are what pages, REST and the CLI show."""

from __future__ import annotations

from collections import defaultdict
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import Executable, distinct, func, select
from sqlalchemy.orm import Session

from modelhub.analytics.models import UsageEvent, UsageRollup
from modelhub.analytics.schemas import (
    ConsumerUsage,
    DayCount,
    HubUsage,
    LiveCounters,
    PartnerUsage,
    PeriodCount,
    ResourceUsage,
    SeriesPoint,
    Split,
    TopResource,
    VersionUsage,
)
from modelhub.catalog.models import Resource
from modelhub.db import utcnow
from modelhub.errors import ResourceNotFound
from modelhub.partners.models import Partner

R = UsageRollup
SERIES_DAYS = 365


def _split(rows: list[tuple[bool, int]]) -> Split:
    split = Split()
    for bot, n in rows:
        if bot:
            split.bots += int(n or 0)
        else:
            split.people += int(n or 0)
    return split


def _grouped(db: Session, query: Executable) -> dict[tuple[Any, ...], Split]:
    out: dict[tuple[Any, ...], Split] = defaultdict(Split)
    for row in db.execute(query):
        *key, bot, n = tuple(row)
        split = out[tuple(key)]
        if bot:
            split.bots += int(n or 0)
        else:
            split.people += int(n or 0)
    return out


def resource_usage(db: Session, resource_id: str, *, today: date | None = None) -> ResourceUsage:
    """One resource's downloads (every version, per version, per consumer, series)."""
    resource = db.get(Resource, resource_id)
    if resource is None:
        raise ResourceNotFound(f"No resource '{resource_id}'.")
    rid = resource.id
    mine = R.resource_id == rid
    totals = _split(
        list(db.execute(select(R.is_bot, func.sum(R.downloads)).where(mine).group_by(R.is_bot)))
    )
    versions = _grouped(
        db,
        select(R.version_number, R.is_bot, func.sum(R.downloads))
        .where(mine)
        .group_by(R.version_number, R.is_bot),
    )
    consumers = _grouped(
        db,
        select(R.consumer, R.consumer_version, R.is_bot, func.sum(R.downloads))
        .where(mine)
        .group_by(R.consumer, R.consumer_version, R.is_bot),
    )
    since = (today or utcnow().date()) - timedelta(days=SERIES_DAYS)
    daily = db.execute(
        select(R.day, R.consumer, func.sum(R.downloads))
        .where(mine, R.is_bot.is_(False), R.day > since)
        .group_by(R.day, R.consumer)
        .order_by(R.day, R.consumer)
    )
    months: dict[str, int] = defaultdict(int)
    years: dict[str, int] = defaultdict(int)
    for day, n in db.execute(
        select(R.day, func.sum(R.downloads)).where(mine, R.is_bot.is_(False)).group_by(R.day)
    ):
        months[day.strftime("%Y-%m")] += int(n or 0)
        years[day.strftime("%Y")] += int(n or 0)
    return ResourceUsage(
        resource_id=rid,
        totals=totals,
        per_version=[
            VersionUsage(version=int(k[0]), downloads=v) for k, v in sorted(versions.items())
        ],
        per_consumer=sorted(
            (
                ConsumerUsage(consumer=str(k[0]), consumer_version=str(k[1]), downloads=v)
                for k, v in consumers.items()
            ),
            key=lambda c: (-c.downloads.people - c.downloads.bots, c.consumer, c.consumer_version),
        ),
        series=[SeriesPoint(day=d, consumer=c, downloads=int(n or 0)) for d, c, n in daily],
        per_month=[PeriodCount(period=k, downloads=v) for k, v in sorted(months.items())],
        per_year=[PeriodCount(period=k, downloads=v) for k, v in sorted(years.items())],
    )


def top_resources(db: Session, *, limit: int = 10, since: date | None = None) -> list[TopResource]:
    """The resources people downloaded most (every version), since ``since`` if given."""
    total = func.sum(R.downloads).label("n")
    query = select(R.resource_id, total).where(R.is_bot.is_(False))
    if since is not None:
        query = query.where(R.day >= since)
    rows = list(
        db.execute(query.group_by(R.resource_id).order_by(total.desc(), R.resource_id).limit(limit))
    )
    names = dict(
        db.execute(
            select(Resource.id, Resource.name).where(Resource.id.in_([r[0] for r in rows]))
        ).all()
    )
    return [
        TopResource(resource_id=rid, name=str(names.get(rid, rid)), downloads=int(n or 0))
        for rid, n in rows
    ]


def partner_usage(db: Session) -> list[PartnerUsage]:
    """People's downloads of each partner's resources."""
    query = (
        select(Partner.id, Partner.name, func.coalesce(func.sum(R.downloads), 0))
        .join(Resource, Resource.partner_id == Partner.id)
        .join(R, R.resource_id == Resource.id)
        .where(R.is_bot.is_(False))
        .group_by(Partner.id, Partner.name)
        .order_by(Partner.id)
    )
    return [PartnerUsage(partner_id=p, name=n, downloads=int(c)) for p, n, c in db.execute(query)]


def hub_usage(db: Session, *, today: date | None = None) -> HubUsage:
    """The whole hub's downloads: totals, top resources, consumers, partners, per day."""
    totals = _split(list(db.execute(select(R.is_bot, func.sum(R.downloads)).group_by(R.is_bot))))
    consumers = _grouped(
        db,
        select(R.consumer, R.consumer_version, R.is_bot, func.sum(R.downloads)).group_by(
            R.consumer, R.consumer_version, R.is_bot
        ),
    )
    since = (today or utcnow().date()) - timedelta(days=SERIES_DAYS)
    daily = db.execute(
        select(R.day, func.sum(R.downloads))
        .where(R.is_bot.is_(False), R.day > since)
        .group_by(R.day)
        .order_by(R.day)
    )
    return HubUsage(
        totals=totals,
        top_resources=top_resources(db),
        per_consumer=sorted(
            (
                ConsumerUsage(consumer=str(k[0]), consumer_version=str(k[1]), downloads=v)
                for k, v in consumers.items()
            ),
            key=lambda c: (-c.downloads.people - c.downloads.bots, c.consumer, c.consumer_version),
        ),
        per_partner=partner_usage(db),
        series=[DayCount(day=d, downloads=int(n or 0)) for d, n in daily],
    )


def downloaded_resources(db: Session) -> int:
    """How many resources people downloaded at least once."""
    found = db.scalar(
        select(func.count(distinct(R.resource_id))).where(R.is_bot.is_(False), R.downloads > 0)
    )
    return int(found or 0)


def live(db: Session, *, minutes: int, now: datetime | None = None) -> LiveCounters:
    """Visits (distinct visitors) and actions (downloads) of the last ``minutes``, raw."""
    since = (now or utcnow()) - timedelta(minutes=minutes)
    actions, visitors = db.execute(
        select(func.count(UsageEvent.id), func.count(distinct(UsageEvent.visitor))).where(
            UsageEvent.at >= since
        )
    ).one()
    return LiveCounters(
        minutes=minutes, visits=int(visitors), actions=int(actions), visitors=int(visitors)
    )
