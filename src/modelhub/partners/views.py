"""Partners and applications as the API and the pages show them (one code path for both)."""

from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from modelhub.accounts.models import User
from modelhub.links import Links
from modelhub.partners import looks, registry
from modelhub.partners.models import (
    EntryStatus,
    Partner,
    PartnerApplication,
    PartnerEntry,
    PartnerImage,
)
from modelhub.partners.schemas import (
    ApplicationRead,
    EntryRead,
    PartnerBadge,
    PartnerDetail,
    PartnerRead,
    PartnerResource,
    PartnerSyncRow,
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


def partner_read(
    db: Session, partner: Partner, images: dict[str, PartnerImage] | None = None
) -> PartnerRead:
    """``images``: the partner's image rows when the caller read them for several partners
    (``looks.images_of``), else they are read here."""
    people = registry.maintainers_of(db, partner_id=partner.id)
    if images is None:
        images = looks.images_of(db, [partner.id])[partner.id]
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
        appearance=looks.look_of(partner, images),
    )


def partners_read(db: Session) -> list[PartnerRead]:
    """Every approved partner (their images read in one query)."""
    partners = registry.list_partners(db)
    images = looks.images_of(db, [p.id for p in partners])
    return [partner_read(db, p, images[p.id]) for p in partners]


def badges(db: Session, *, partner_id: str | None = None) -> list[PartnerBadge]:
    """Every partner (or the one ``partner_id`` names) as the catalog shows it: two queries."""
    partners = registry.list_partners(db)
    if partner_id is not None:
        partners = [p for p in partners if p.id == partner_id]
    images = looks.images_of(db, [p.id for p in partners])
    out = []
    for partner in partners:
        look = looks.look_of(partner, images[partner.id])
        out.append(
            PartnerBadge(
                id=partner.id,
                name=partner.name,
                url=Links.partner_path(partner.id),
                explore_url=look.explore_url,
                logo=look.logo,
                icon=look.icon,
                splash_subtitle=look.splash_subtitle,
                resource_types=look.resource_types,
            )
        )
    return out


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


FAILING_SHOWN = 5


def sync_overview(db: Session) -> list[PartnerSyncRow]:
    """Every partner's sync status for the admins, partners with problems first."""
    counts: dict[str, dict[str, int]] = {}
    for partner_id, status, n in db.execute(
        select(PartnerEntry.partner_id, PartnerEntry.status, func.count()).group_by(
            PartnerEntry.partner_id, PartnerEntry.status
        )
    ):
        counts.setdefault(partner_id, {})[status.value] = n
    rows = []
    for partner in registry.list_partners(db):
        mine = counts.get(partner.id, {})
        failing = (
            [e for e in entries_of(db, partner) if e.status == "failed"][:FAILING_SHOWN]
            if mine.get("failed")
            else []
        )
        rows.append(
            PartnerSyncRow(
                id=partner.id,
                name=partner.name,
                url=Links.partner_path(partner.id),
                sync=sync_status(partner),
                entries=mine,
                failing=failing,
            )
        )
    return sorted(rows, key=lambda r: (not (r.sync.last_error or r.failing), r.id))
