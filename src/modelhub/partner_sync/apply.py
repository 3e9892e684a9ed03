"""Writing a sync's result, in the dispatcher's transaction: entries, resources, versions,
retirements and the partner's sync status. Applying the same result twice changes nothing more
(an entry whose package is already the latest version gets no new version)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from modelhub.db import utcnow
from modelhub.partner_sync.collection import EntryProblem
from modelhub.partner_sync.publish import IdTaken, partner_account, publish_entry, retire
from modelhub.partner_sync.worker import SyncResult
from modelhub.partners.appearance import store_appearance
from modelhub.partners.models import EntryStatus, Partner, PartnerEntry
from modelhub.storage.base import Storage
from modelhub.storage.service import BlobBatch, sessions_beside


def apply_result(db: Session, storage: Storage, *, partner_id: str, result: SyncResult) -> None:
    partner = db.get(Partner, partner_id)
    if partner is None:
        return  # the partner is gone: nothing to write
    now = utcnow()
    partner.last_sync_attempt_at = now
    partner.sync_count += 1
    if result.error is not None:
        partner.last_sync_error = result.error  # what was last good stays as it is
        partner.last_sync_report = {"error_code": result.error_code, "requests": result.requests}
        return
    partner.last_sync_error = None
    partner.last_sync_success_at = now
    if result.unchanged:
        partner.last_sync_report = {"unchanged_collection": True, "requests": result.requests}
        _stamp_listed(db, partner_id=partner.id, now=now)
        return
    partner.collection_etag = result.etag
    partner.collection_last_modified = result.last_modified
    partner.collection_digest = result.sha256
    report = _entries(db, storage, partner=partner, result=result, now=now)
    if result.images is not None:  # the collection's config: the partner's landing page
        batch = BlobBatch(db, storage, sessions_beside(db))
        report["appearance_problems"] = store_appearance(
            db, partner, result.config, result.images, batch=batch
        )
    partner.last_sync_report = report


def record_failure(db: Session, *, partner_id: str, error: str) -> None:
    """The sync job failed for good (its worker died, its retries ran out)."""
    partner = db.get(Partner, partner_id)
    if partner is not None:
        partner.last_sync_attempt_at = utcnow()
        partner.last_sync_error = f"The sync did not finish: {error}"
        partner.sync_count += 1


def _entries(
    db: Session, storage: Storage, *, partner: Partner, result: SyncResult, now: datetime
) -> dict[str, Any]:
    rows = {
        e.key: e
        for e in db.scalars(select(PartnerEntry).where(PartnerEntry.partner_id == partner.id))
    }
    account = partner_account(db, partner)
    counts = {"added": 0, "updated": 0, "unchanged": 0, "failed": 0, "retired": 0}
    listed: set[str] = set()
    for key in result.kept:
        listed.add(key)
        row = rows.get(key)
        if row is not None:
            row.last_attempt_at = row.last_success_at = now
        counts["unchanged"] += 1
    for ready in result.ready:
        listed.add(ready.key)
        row = rows.get(ready.key) or _new_row(db, rows, partner.id, ready.key, ready.source)
        row.last_attempt_at = now
        try:
            with db.begin_nested():
                version = publish_entry(db, storage, partner=partner, account=account, ready=ready)
        except IdTaken:
            _failed(
                row, EntryProblem(ready.key, ready.source, _taken(ready.resource_id), "id_taken")
            )
            counts["failed"] += 1
            continue
        if version is None:
            counts["unchanged"] += 1
        else:
            counts["added" if version.number == 1 else "updated"] += 1
        row.source, row.resource_id, row.fingerprint = (
            ready.source,
            ready.resource_id,
            ready.fingerprint,
        )
        row.status, row.error, row.error_code, row.error_details = EntryStatus.ok, None, None, None
        row.last_success_at = now
    for problem in result.problems:
        listed.add(problem.key)
        row = rows.get(problem.key) or _new_row(db, rows, partner.id, problem.key, problem.source)
        row.last_attempt_at = now
        _failed(row, problem)
        counts["failed"] += 1
    # a resource another listed entry now holds (an entry's key changed) is not retired
    alive = {r.resource_id for k, r in rows.items() if k in listed and r.resource_id is not None}
    for key, row in rows.items():
        if key in listed or row.status is EntryStatus.removed:
            continue
        row.status, row.last_attempt_at = EntryStatus.removed, now
        row.fingerprint = None
        if row.resource_id is not None and row.resource_id not in alive:
            reason = f"No longer listed in the collection of {partner.name} ({partner.id})."
            retire(db, resource_id=row.resource_id, account=account, reason=reason)
        counts["retired"] += 1
    db.flush()
    return {**counts, "requests": result.requests, "listed": len(listed)}


def _stamp_listed(db: Session, *, partner_id: str, now: datetime) -> None:
    """An unchanged collection: its good entries were seen again (one statement)."""
    db.execute(
        update(PartnerEntry)
        .where(PartnerEntry.partner_id == partner_id, PartnerEntry.status == EntryStatus.ok)
        .values(last_attempt_at=now, last_success_at=now)
    )


def _new_row(
    db: Session, rows: dict[str, PartnerEntry], partner_id: str, key: str, source: str
) -> PartnerEntry:
    row = PartnerEntry(partner_id=partner_id, key=key, source=source, status=EntryStatus.failed)
    db.add(row)
    rows[key] = row
    return row


def _failed(row: PartnerEntry, problem: EntryProblem) -> None:
    """The entry's error is shown; its resource keeps its last good version."""
    row.status = EntryStatus.failed
    row.error, row.error_code, row.error_details = problem.message, problem.code, problem.details
    row.source = problem.source if row.resource_id is None else row.source


def _taken(resource_id: str) -> str:
    return (
        f"The id '{resource_id}' belongs to a resource that does not come from this partner's "
        "collection; give the entry another id."
    )
