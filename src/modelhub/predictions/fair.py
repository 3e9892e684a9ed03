"""The fair queue: which waiting prediction goes to the workers next, and where each one stands.

Only ``slots`` predictions are handed to the workers at once (``MODELHUB_PREDICT_SLOTS``); the
rest wait in the hub. Each time a slot frees up, the owner with the fewest predictions at the
workers goes next; among those, the one served least recently (never, first), then whose oldest
waiting prediction came first. So one person's hundred images are served in turn with everyone
else's, never all ahead of them.

Two hub processes admitting at the same moment may hand out a slot twice; that only lets one
more prediction run at once for a moment (the dispatcher still bounds what runs per worker).
"""

from __future__ import annotations

import heapq
from collections import Counter, defaultdict, deque
from collections.abc import Iterable, Mapping, Sequence
from datetime import UTC, datetime, timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from modelhub.db import utcnow
from modelhub.jobs.service import enqueue
from modelhub.predictions.models import ACTIVE, Prediction, PredictionStatus

PREDICT_JOB = "predict"
LOOKAHEAD = 5000
"""Waiting predictions the queue looks at (oldest first); further ones wait their turn."""
NEVER = datetime(1970, 1, 1, tzinfo=UTC)
FUTURE = datetime(9999, 1, 1, tzinfo=UTC)


def owner_key(user_id: int | None, trial: str | None) -> str:
    return f"user:{user_id}" if user_id is not None else f"trial:{trial}"


def fair_order(
    waiting: Sequence[Prediction],
    load: Counter[str],
    served: Mapping[str, datetime] | None = None,
) -> list[Prediction]:
    """``waiting`` (oldest first) in the order the queue serves them, given how many
    predictions each owner has at the workers (``load``) and when each was last served."""
    queues: dict[str, deque[Prediction]] = defaultdict(deque)
    for prediction in waiting:
        queues[prediction.owner_key].append(prediction)
    turns = Counter(load)
    last = {o: (served or {}).get(o, NEVER) for o in queues}
    heap = [(turns[o], last[o], q[0].created_at, q[0].id, o) for o, q in queues.items()]
    heapq.heapify(heap)
    order: list[Prediction] = []
    rank = 0
    while heap:
        owner = heapq.heappop(heap)[-1]
        queue = queues[owner]
        order.append(queue.popleft())
        turns[owner] += 1
        rank += 1
        if queue:  # served now: after everyone served before it
            later = FUTURE + timedelta(microseconds=rank)
            heapq.heappush(heap, (turns[owner], later, queue[0].created_at, queue[0].id, owner))
    return order


def _load(db: Session) -> Counter[str]:
    rows = db.execute(
        select(Prediction.owner_user_id, Prediction.owner_trial).where(
            Prediction.status.in_(ACTIVE)
        )
    )
    return Counter(owner_key(user, trial) for user, trial in rows)


def _served(db: Session) -> dict[str, datetime]:
    """When each owner last had a prediction handed to the workers (the last day)."""
    since = utcnow() - timedelta(days=1)
    rows = db.execute(
        select(Prediction.owner_user_id, Prediction.owner_trial, func.max(Prediction.queued_at))
        .where(Prediction.queued_at > since)
        .group_by(Prediction.owner_user_id, Prediction.owner_trial)
    )
    return {owner_key(user, trial): when for user, trial, when in rows if when is not None}


def _waiting(db: Session, *, lock: bool) -> list[Prediction]:
    query = (
        select(Prediction)
        .where(Prediction.status == PredictionStatus.waiting)
        .order_by(Prediction.created_at, Prediction.id)
        .limit(LOOKAHEAD)
    )
    if lock:
        query = query.with_for_update(skip_locked=True)
    return list(db.scalars(query))


def admit(db: Session, *, slots: int) -> list[Prediction]:
    """Hand waiting predictions to the workers (as ``predict`` jobs, in the caller's
    transaction) while fewer than ``slots`` are there; the ones handed over."""
    load = _load(db)
    room = slots - sum(load.values())
    if room <= 0:
        return []
    chosen = fair_order(_waiting(db, lock=True), load, _served(db))[:room]
    now = utcnow()
    for prediction in chosen:
        job = enqueue(
            db,
            kind=PREDICT_JOB,
            payload={"prediction_id": prediction.id},
            dedupe_key=f"predict:{prediction.id}",
            max_attempts=2,
        )
        prediction.status = PredictionStatus.queued
        prediction.queued_at = now
        prediction.job_id = job.id
    return chosen


def positions(db: Session, wanted: Iterable[Prediction]) -> dict[str, int]:
    """Where each waiting prediction of ``wanted`` stands: 1 = next to go to the workers."""
    ids = {p.id for p in wanted if p.status is PredictionStatus.waiting}
    if not ids:
        return {}
    order = fair_order(_waiting(db, lock=False), _load(db), _served(db))
    found = {p.id: i + 1 for i, p in enumerate(order) if p.id in ids}
    beyond = len(order) + 1
    return {i: found.get(i, beyond) for i in ids}
