"""The hub's own gc: once at start, then every ``gc_interval_s``, one process at a time; and, at
every wake-up (every quarter interval) in every process, the sweep of domain events that were
committed but not delivered (each (event, subscriber) is delivered once whoever sweeps), the
syncs of partners due one (each queued once: the sync job's dedupe key), the pulls of
partners' test summaries that are due (one per partner at a time) and the deletion of expired
predictions (one process per wake-up: the ``prediction_retention`` lease). Which duty stays
once across replicas, and how: ``docs/operations.md``."""

from __future__ import annotations

import logging
import threading

from modelhub.hub import Hub
from modelhub.jobs.owners import new_owner_id
from modelhub.maintenance import lease
from modelhub.maintenance.folders import Places
from modelhub.maintenance.retention import sweep_predictions
from modelhub.maintenance.s3gc import gc_s3
from modelhub.maintenance.service import GcResult, gc, gc_folders
from modelhub.partner_sync.service import request_due_syncs
from modelhub.storage.local import LocalStorage
from modelhub.storage.s3 import S3Storage
from modelhub.summaries.pulls import request_due

logger = logging.getLogger(__name__)
NAME = "gc"
STARTUP_DUE_S = 60.0
"""At start a run is due unless another process started one this recently (processes of one
hub starting together run it once)."""


def run_if_due(hub: Hub, *, holder: str, due_after_s: float) -> GcResult | None:
    """Run gc if this process gets the lease; its result, else None. With blobs in S3 it
    removes orphan objects and the multipart uploads and temporary objects that killed
    processes left, once older than ``gc_grace_s`` (``maintenance.s3gc``), and the working
    folders of dead processes."""
    if isinstance(hub.storage, S3Storage):
        _sweep_s3(hub, hub.storage, holder=holder, due_after_s=due_after_s)
        return None
    if not isinstance(hub.storage, LocalStorage):
        return None
    settings = hub.settings
    lease_s = max(600.0, settings.gc_interval_s)
    with hub.sessions() as db:
        if not lease.take(db, name=NAME, holder=holder, due_after_s=due_after_s, lease_s=lease_s):
            return None
    result: GcResult | None = None
    try:
        result = gc(
            sessions=hub.sessions,
            storage=hub.storage,
            places=Places.of(settings),
            grace_s=settings.gc_grace_s,
        )
        if result.removed or result.lost:
            logger.info("gc: %s", result.as_json())
        return result
    finally:
        with hub.sessions() as db:
            lease.give_back(
                db, name=NAME, holder=holder, result=None if result is None else result.as_json()
            )


def _sweep_s3(hub: Hub, storage: S3Storage, *, holder: str, due_after_s: float) -> None:
    with hub.sessions() as db:
        if not lease.take(db, name=NAME, holder=holder, due_after_s=due_after_s, lease_s=600.0):
            return
    result = GcResult()
    try:
        result = gc_s3(sessions=hub.sessions, storage=storage, grace_s=hub.settings.gc_grace_s)
        folders = gc_folders(Places.of(hub.settings))  # on this machine's disk all the same
        result.removed.update(folders.removed)
        result.kept.update(folders.kept)
        if result.removed:
            logger.info("gc: %s", result.as_json())
    finally:
        with hub.sessions() as db:
            lease.give_back(db, name=NAME, holder=holder, result=result.as_json())


def pull_due_summaries(hub: Hub) -> int:
    """Queue a pull of test summaries for each partner whose last one is older than
    ``summary_pull_interval_s`` (a pull already queued or running is found, not doubled)."""
    interval = hub.settings.summary_pull_interval_s
    if interval <= 0:
        return 0
    with hub.sessions() as db:
        asked = request_due(db, interval_s=interval)
        db.commit()
    return asked


EVENTS_ONLY_WAKE_S = 900.0
"""How often the loop sweeps pending events when the hub's gc is off."""


class PeriodicGc:
    """A background thread of one hub process (started and stopped by the app's lifespan)."""

    def __init__(self, hub: Hub) -> None:
        self.hub = hub
        self.holder = new_owner_id()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._loop, name="modelhub-gc", daemon=True)

    def start(self) -> None:
        self._thread.start()  # with gc off (interval 0) it still sweeps pending events

    def stop(self) -> None:
        self._stop.set()
        if self._thread.is_alive():
            self._thread.join(timeout=30)

    def request_partner_syncs(self) -> int:
        """Queue a sync of each partner due one (once across processes: the job's key)."""
        every = self.hub.settings.partner_sync_interval_s
        if every <= 0:
            return 0
        with self.hub.sessions() as db:
            queued = request_due_syncs(db, interval_s=every)
            db.commit()
        return len(queued)

    def _loop(self) -> None:
        interval = self.hub.settings.gc_interval_s
        wake = interval / 4 if interval > 0 else EVENTS_ONLY_WAKE_S
        due_after = STARTUP_DUE_S
        while not self._stop.is_set():
            try:
                self.hub.events.redeliver_pending()
            except Exception:
                logger.exception("delivering pending events failed")
            try:
                self.request_partner_syncs()
            except Exception:
                logger.exception("asking for partner syncs failed")
            try:
                pull_due_summaries(self.hub)
            except Exception:
                logger.exception("queueing pulls of test summaries failed")
            try:
                # a little less than one wake-up: the next wake-up of any process runs it
                sweep_predictions(self.hub, holder=self.holder, due_after_s=wake * 0.9)
            except Exception:
                logger.exception("sweeping expired predictions failed")
            if interval > 0:
                try:
                    run_if_due(self.hub, holder=self.holder, due_after_s=due_after)
                except Exception:  # a failed run must not end the loop: the next one tries
                    logger.exception("gc failed")
            due_after = interval
            # looking more often than running: a process whose neighbour ran gc a moment
            # before its own turn runs it again about one interval later, not two
            self._stop.wait(wake)
