"""Inputs and results are kept for ``MODELHUB_PREDICT_RETENTION_HOURS`` after a prediction
ends, then deleted: its rows, and each blob no other prediction still holds. Blobs no
prediction holds at all (the results of a cancelled prediction) go once they are a day old.

The predictions' blobs live in a storage of their own (`results_storage`), so a sweep can
never delete a package file, whatever bytes the two share: ``<data_dir>/predictions/blobs``,
or with blobs in S3 the sub-prefix ``predictions`` of the hub's storage URL (shared by every
hub process and worker, on whatever machine)."""

from __future__ import annotations

import time
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import delete, select
from sqlalchemy.orm import Session, sessionmaker

from modelhub.config import Settings
from modelhub.db import utcnow
from modelhub.predictions import fair
from modelhub.predictions.models import Prediction, PredictionBlob, PredictionStatus
from modelhub.private import private_dir
from modelhub.storage.base import Storage
from modelhub.storage.factory import (
    LocalStorageDescription,
    S3StorageDescription,
    StorageDescription,
    describe_storage,
    storage_from,
)
from modelhub.storage.local import LocalStorage
from modelhub.storage.s3 import S3Storage

BATCH = 200
ORPHAN_GRACE_S = 24 * 3600.0


def results_description(settings: Settings) -> StorageDescription:
    """Where the predictions' blobs are kept (workers build the storage from this)."""
    hub = describe_storage(settings)
    if isinstance(hub, S3StorageDescription):
        return hub.under("predictions")
    return LocalStorageDescription(root=str((settings.predictions_dir / "blobs").resolve()))


def results_storage(settings: Settings) -> Storage:
    description = results_description(settings)
    if isinstance(description, LocalStorageDescription):
        private_dir(settings.predictions_dir)
    return storage_from(description)


def _blob_times(results: Storage) -> list[tuple[str, float]]:
    """Each stored blob and when it was written."""
    if isinstance(results, LocalStorage):
        return [(sha, stat.st_mtime) for sha, stat in results.blob_files()]
    if isinstance(results, S3Storage):
        return list(results.blob_times())
    return []


@dataclass(frozen=True)
class Swept:
    predictions: int
    blobs: int


def sweep(
    sessions: sessionmaker[Session],
    results: Storage,
    *,
    slots: int,
    now: datetime | None = None,
) -> Swept:
    """Delete expired predictions and the blobs only they held; admit waiting ones if slots
    are free (a cancelled or lost prediction may have left one)."""
    now = now or utcnow()
    removed = blobs = 0
    while True:
        with sessions() as db:
            expired = list(
                db.scalars(
                    select(Prediction.id)
                    .where(
                        Prediction.expires_at < now,
                        Prediction.status.notin_(
                            (PredictionStatus.queued, PredictionStatus.running)
                        ),
                    )
                    .limit(BATCH)
                )
            )
            if not expired:
                fair.admit(db, slots=slots)
                db.commit()
                break
            held = set(
                db.scalars(
                    select(PredictionBlob.sha256).where(PredictionBlob.prediction_id.in_(expired))
                )
            )
            db.execute(delete(PredictionBlob).where(PredictionBlob.prediction_id.in_(expired)))
            db.execute(delete(Prediction).where(Prediction.id.in_(expired)))
            db.commit()
            removed += len(expired)
            still = set(
                db.scalars(select(PredictionBlob.sha256).where(PredictionBlob.sha256.in_(held)))
            )
        for sha in held - still:
            results.delete(sha)
            blobs += 1
    return Swept(predictions=removed, blobs=blobs + _orphans(sessions, results))


def _orphans(sessions: sessionmaker[Session], results: Storage) -> int:
    cutoff = time.time() - ORPHAN_GRACE_S
    old = [sha for sha, written in _blob_times(results) if written < cutoff]
    removed = 0
    for start in range(0, len(old), BATCH):
        chunk = old[start : start + BATCH]
        with sessions() as db:
            held = set(
                db.scalars(select(PredictionBlob.sha256).where(PredictionBlob.sha256.in_(chunk)))
            )
        for sha in chunk:
            if sha not in held:
                results.delete(sha)
                removed += 1
    return removed
