"""The usage fold in the background: every ``usage_fold_interval_s`` one process of the hub
(the ``usage_fold`` lease) folds new download events into the statistics, so reports are
current within a minute; raw events past their retention go in the same run."""

from __future__ import annotations

import logging
import threading
from datetime import datetime

from modelhub.analytics.fold import FoldResult, fold
from modelhub.db import transaction
from modelhub.events.types import Downloaded
from modelhub.hub import Hub
from modelhub.jobs.owners import new_owner_id
from modelhub.maintenance import lease

logger = logging.getLogger(__name__)
NAME = "usage_fold"
LEASE_S = 600.0


def fold_if_due(hub: Hub, *, holder: str) -> FoldResult | None:
    """Fold when this process gets the lease; the result, else None."""
    interval = hub.settings.usage_fold_interval_s
    with hub.sessions() as db:
        if not lease.take(
            db, name=NAME, holder=holder, due_after_s=interval * 0.9, lease_s=LEASE_S
        ):
            return None
    result: FoldResult | None = None
    try:
        result = fold_now(hub)
        return result
    finally:
        with hub.sessions() as db:
            summary = (
                None if result is None else {"events": result.events, "expired": result.expired}
            )
            lease.give_back(db, name=NAME, holder=holder, result=summary)


def fold_now(hub: Hub, *, now: datetime | None = None) -> FoldResult:
    """Hand the downloads recorded since the last run to their subscribers (the bus leaves
    ``Downloaded`` events to this batch), then fold them into the statistics."""
    hub.events.deliver_pending(Downloaded)
    with transaction(hub.sessions) as db:
        return fold(db, now=now, retention_days=hub.settings.usage_raw_retention_days)


class PeriodicFold:
    """A background thread of one hub process (started and stopped by the app's lifespan)."""

    def __init__(self, hub: Hub) -> None:
        self.hub = hub
        self.holder = new_owner_id()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._loop, name="modelhub-usage", daemon=True)

    def start(self) -> None:
        if self.hub.settings.usage_fold_interval_s > 0:
            self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        if self._thread.is_alive():
            self._thread.join(timeout=30)

    def _loop(self) -> None:
        interval = self.hub.settings.usage_fold_interval_s
        while not self._stop.is_set():
            try:
                fold_if_due(self.hub, holder=self.holder)
            except Exception:  # the next run tries again
                logger.exception("folding usage events failed")
            self._stop.wait(interval)
