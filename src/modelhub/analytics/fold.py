"""The fold: raw usage events → daily rollups, outside the request path (the maintenance loop,
one process at a time, every ``usage_fold_interval_s``). Repeats of one visitor downloading one
version within 30 minutes of its previous download count as hits, not downloads; the search
index gets each changed resource's total; raw events past their retention and old salts go."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from sqlalchemy import delete, func, select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session

from modelhub.analytics import dois
from modelhub.analytics.models import UsageEvent, UsageRollup, UsageState
from modelhub.db import utcnow
from modelhub.events.visitors import forget_salts
from modelhub.search.index import set_downloads

REPEAT = timedelta(minutes=30)
SETTLE = timedelta(seconds=2)
"""Events younger than this wait for the next fold: an id taken earlier may commit later."""
BATCH = 20_000
_CHUNK = 500

Key = tuple[str, str, int]  # visitor, resource, version
Bucket = tuple[date, str, int, str, str, bool]


@dataclass
class FoldResult:
    events: int = 0
    downloads: int = 0
    expired: int = 0
    resources: set[str] = field(default_factory=set)


def fold(db: Session, *, now: datetime | None = None, retention_days: float = 90) -> FoldResult:
    """Fold every settled event after the watermark (caller's transaction; it commits)."""
    now = now or utcnow()
    state = db.get(UsageState, 1, with_for_update=True)
    if state is None:
        dois.index_all(db)
        state = UsageState(id=1, last_event_id=0)
        db.add(state)
        db.flush()
    result = FoldResult()
    while True:
        events = _settled(db, after=state.last_event_id, cutoff=now - SETTLE)
        if not events:
            break
        result.downloads += _fold_batch(db, events, state.last_event_id, result)
        result.events += len(events)
        state.last_event_id = events[-1].id
        if len(events) < BATCH:
            break
    state.folded_at = now
    if result.resources:
        set_downloads(db, people_totals(db, result.resources))
    result.expired = expire(db, before=now - timedelta(days=retention_days))
    forget_salts(db, before=now.date() - timedelta(days=1))
    return result


def _settled(db: Session, *, after: int, cutoff: datetime) -> list[UsageEvent]:
    unsettled = select(func.min(UsageEvent.id)).where(UsageEvent.id > after, UsageEvent.at > cutoff)
    limit = db.scalar(unsettled)
    query = select(UsageEvent).where(UsageEvent.id > after)
    if limit is not None:
        query = query.where(UsageEvent.id < limit)
    return list(db.scalars(query.order_by(UsageEvent.id).limit(BATCH)))


def _seen_before(db: Session, events: list[UsageEvent], watermark: int) -> dict[Key, datetime]:
    """The last download of each (visitor, resource, version) of ``events`` folded before."""
    since = min(e.at for e in events) - REPEAT
    visitors = sorted({e.visitor for e in events})
    seen: dict[Key, datetime] = {}
    for start in range(0, len(visitors), _CHUNK):
        query = (
            select(
                UsageEvent.visitor,
                UsageEvent.resource_id,
                UsageEvent.version_number,
                func.max(UsageEvent.at),
            )
            .where(
                UsageEvent.visitor.in_(visitors[start : start + _CHUNK]),
                UsageEvent.at >= since,
                UsageEvent.id <= watermark,
            )
            .group_by(UsageEvent.visitor, UsageEvent.resource_id, UsageEvent.version_number)
        )
        for visitor, resource_id, number, at in db.execute(query):
            seen[(visitor, resource_id, number)] = at
    return seen


def _fold_batch(db: Session, events: list[UsageEvent], watermark: int, result: FoldResult) -> int:
    seen = _seen_before(db, events, watermark)
    buckets: dict[Bucket, list[int]] = defaultdict(lambda: [0, 0])
    counted = 0
    for e in events:
        key = (e.visitor, e.resource_id, e.version_number)
        last = seen.get(key)
        fresh = last is None or e.at - last >= REPEAT
        seen[key] = e.at if last is None or e.at > last else last
        bucket = buckets[
            (e.at.date(), e.resource_id, e.version_number, e.consumer, e.consumer_version, e.is_bot)
        ]
        bucket[0] += 1
        if fresh:
            bucket[1] += 1
            counted += 1
            if not e.is_bot:
                result.resources.add(e.resource_id)
    _upsert(db, buckets)
    return counted


def _upsert(db: Session, buckets: dict[Bucket, list[int]]) -> None:
    dialect = db.get_bind().dialect.name
    insert = pg_insert if dialect == "postgresql" else sqlite_insert
    rows = [
        {
            "day": day,
            "resource_id": rid,
            "version_number": number,
            "consumer": consumer,
            "consumer_version": cv,
            "is_bot": bot,
            "hits": hits,
            "downloads": downloads,
        }
        for (day, rid, number, consumer, cv, bot), (hits, downloads) in sorted(buckets.items())
    ]
    for start in range(0, len(rows), _CHUNK):
        stmt = insert(UsageRollup).values(rows[start : start + _CHUNK])
        stmt = stmt.on_conflict_do_update(
            index_elements=[
                "day",
                "resource_id",
                "version_number",
                "consumer",
                "consumer_version",
                "is_bot",
            ],
            set_={
                "hits": UsageRollup.hits + stmt.excluded.hits,
                "downloads": UsageRollup.downloads + stmt.excluded.downloads,
            },
        )
        db.execute(stmt)


def people_totals(db: Session, resource_ids: set[str]) -> dict[str, int]:
    """People's downloads of every version of each resource."""
    totals = dict.fromkeys(resource_ids, 0)
    ids = sorted(resource_ids)
    for start in range(0, len(ids), _CHUNK):
        query = (
            select(UsageRollup.resource_id, func.sum(UsageRollup.downloads))
            .where(
                UsageRollup.resource_id.in_(ids[start : start + _CHUNK]),
                UsageRollup.is_bot.is_(False),
            )
            .group_by(UsageRollup.resource_id)
        )
        totals.update({rid: int(n or 0) for rid, n in db.execute(query)})
    return totals


def expire(db: Session, *, before: datetime) -> int:
    """Delete raw events older than ``before`` that are folded (rollups stay); how many."""
    state = db.get(UsageState, 1)
    watermark = state.last_event_id if state is not None else 0
    result = db.execute(
        delete(UsageEvent).where(UsageEvent.at < before, UsageEvent.id <= watermark)
    )
    return int(getattr(result, "rowcount", 0) or 0)
