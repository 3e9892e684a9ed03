"""The ``partner_sync`` job: the hub prepares what the worker needs (the collection's URL, what
the last sync saw), a Dask worker fetches and validates, the hub writes the result."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from modelhub.fetch.policy import FetchPolicy
from modelhub.jobs.registry import JobKind, SkipJob
from modelhub.partner_sync.apply import apply_result, record_failure
from modelhub.partner_sync.worker import SyncResult, SyncTask, run_sync
from modelhub.partners.models import EntryStatus, Partner, PartnerEntry
from modelhub.storage.base import Storage
from modelhub.storage.factory import StorageDescription
from modelhub.uploads.archive import UnpackLimits

SYNC_JOB = "partner_sync"


@dataclass(frozen=True)
class SyncSettings:
    """What the hub binds into the kind (``make_kind``)."""

    storage: StorageDescription
    rules: FetchPolicy
    limits: UnpackLimits
    collection_max_bytes: int
    max_entries: int


def make_kind(settings: SyncSettings, storage: Storage) -> JobKind:
    """The ``partner_sync`` kind; payload ``{"partner_id", "full"}``."""

    def prepare(db: Session, payload: dict[str, Any]) -> SyncTask:
        partner = db.get(Partner, payload["partner_id"])
        if partner is None:
            raise SkipJob("the partner no longer exists")
        full = bool(payload.get("full"))
        rows = db.execute(
            select(PartnerEntry.key, PartnerEntry.fingerprint).where(
                PartnerEntry.partner_id == partner.id,
                PartnerEntry.status == EntryStatus.ok,
                PartnerEntry.fingerprint.is_not(None),
            )
        )
        known = {key: print_ for key, print_ in rows}
        return SyncTask(
            partner_id=partner.id,
            collection_url=str(payload.get("url") or partner.collection_url),
            etag=None if full else partner.collection_etag,
            last_modified=None if full else partner.collection_last_modified,
            last_sha256=None if full else partner.collection_digest,
            known={k: v for k, v in known.items() if v is not None},
            full=full,
            keep_ids=partner.read_only,
            storage=settings.storage,
            rules=settings.rules,
            limits=settings.limits,
            collection_max_bytes=settings.collection_max_bytes,
            max_entries=settings.max_entries,
        )

    def apply(db: Session, payload: dict[str, Any], result: SyncResult) -> None:
        apply_result(db, storage, partner_id=payload["partner_id"], result=result)

    def fail(db: Session, payload: dict[str, Any], error: str) -> None:
        record_failure(db, partner_id=payload["partner_id"], error=error)

    return JobKind(name=SYNC_JOB, prepare=prepare, run=run_sync, apply=apply, fail=fail)
