"""Deleting predictions past their retention, once across the hub's processes: the
``prediction_retention`` lease. Every process wakes the sweep; the one that takes the lease
runs it (rows, then the blobs only they held, then day-old blobs nobody holds), the others
find it taken or not yet due and go back to sleep."""

from __future__ import annotations

import logging

from modelhub.hub import Hub
from modelhub.maintenance import lease
from modelhub.predictions.retention import results_storage, sweep

logger = logging.getLogger(__name__)
NAME = "prediction_retention"
LEASE_S = 600.0


def sweep_predictions(hub: Hub, *, holder: str, due_after_s: float) -> int | None:
    """Delete predictions past their retention and hand free slots to waiting ones, when this
    process gets the lease and the last sweep started at least ``due_after_s`` ago; how many
    predictions went, None when another process has it or it is not due."""
    with hub.sessions() as db:
        if not lease.take(db, name=NAME, holder=holder, due_after_s=due_after_s, lease_s=LEASE_S):
            return None
    settings = hub.settings
    removed = blobs = 0
    try:
        swept = sweep(hub.sessions, results_storage(settings), slots=settings.predict_slots)
        removed, blobs = swept.predictions, swept.blobs
        if removed or blobs:
            logger.info("predictions: %s expired, %s files deleted", removed, blobs)
        return removed
    finally:
        with hub.sessions() as db:
            result = {"predictions": removed, "blobs": blobs}
            lease.give_back(db, name=NAME, holder=holder, result=result)
