"""Partners and applications as the API and the pages show them (one code path for both)."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from modelhub.accounts.models import User
from modelhub.links import Links
from modelhub.partners import registry
from modelhub.partners.models import EntryStatus, Partner, PartnerApplication, PartnerEntry
from modelhub.partners.schemas import (
    ApplicationRead,
    EntryRead,
    PartnerDetail,
    PartnerRead,
    PartnerResource,
    SyncStatus,
)


def _username(db: Session, user_id: int | None) -> str | None:
    user = db.get(User, user_id) if user_id is not None else None
    return user.username if user else None


def application_read(db: Session, application: PartnerApplication) -> ApplicationRead:
    return ApplicationRead(
        id=application.id,
        applicant=_username(db, application.applicant_id),
        name=application.name,
        description=application.description,
        about_url=application.about_url,
        resources=application.resources,
        collection_url=application.collection_url,
        test_summary_url=application.test_summary_url,
        maintenance_plan=application.maintenance_plan,
        proposed_id=application.proposed_id,
        status=application.status,
        created_at=application.created_at,
        decided_at=application.decided_at,
        decided_by=_username(db, application.decided_by_id),
        decision_message=application.decision_message,
        partner_id=application.partner_id,
    )


def sync_status(partner: Partner) -> SyncStatus:
    return SyncStatus(
        last_attempt_at=partner.last_sync_attempt_at,
        last_success_at=partner.last_sync_success_at,
        last_error=partner.last_sync_error,
        never_synced=partner.last_sync_attempt_at is None,
        report=partner.last_sync_report,
    )


def partner_read(db: Session, partner: Partner) -> PartnerRead:
    people = registry.maintainers_of(db, partner_id=partner.id)
    return PartnerRead(
        id=partner.id,
        name=partner.name,
        description=partner.description,
        about_url=partner.about_url,
        collection_url=partner.collection_url,
        test_summary_url=partner.test_summary_url,
        maintainers=[user.username for user, _ in people],
        created_at=partner.created_at,
        sync=sync_status(partner),
    )


def entries_of(db: Session, partner: Partner) -> list[EntryRead]:
    """The collection's entries as the syncs saw them (none before the first sync): failed
    ones first, then by key."""
    rows = db.scalars(select(PartnerEntry).where(PartnerEntry.partner_id == partner.id))
    order = {EntryStatus.failed: 0, EntryStatus.ok: 1, EntryStatus.removed: 2}
    return [
        EntryRead(
            key=e.key,
            source=e.source,
            resource_id=e.resource_id,
            status=e.status.value,
            error=e.error,
            error_code=e.error_code,
            error_details=e.error_details or [],
            last_attempt_at=e.last_attempt_at,
            last_success_at=e.last_success_at,
        )
        for e in sorted(rows, key=lambda e: (order[e.status], e.key))
    ]


def partner_detail(db: Session, partner: Partner) -> PartnerDetail:
    resources = [
        PartnerResource(id=r.id, name=r.name, type=r.type.value, url=Links.resource_path(r.id))
        for r in registry.resources_of(db, partner_id=partner.id)
    ]
    return PartnerDetail(
        **partner_read(db, partner).model_dump(),
        resources=resources,
        entries=entries_of(db, partner),
    )
