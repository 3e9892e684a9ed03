"""Usage analytics over REST: report a download (the clean twin of ``/matomo.php``) and read
the statistics."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Request

from modelhub.analytics import stats
from modelhub.analytics.ingest import Report, ReportRefused, append, row_of
from modelhub.analytics.models import UNKNOWN
from modelhub.analytics.resolve import resolve
from modelhub.analytics.schemas import (
    DownloadReport,
    HubUsage,
    LiveCounters,
    PartnerUsage,
    ReportAccepted,
    ResourceUsage,
    TopResource,
)
from modelhub.analytics.tracking import client_of, limit
from modelhub.db import utcnow
from modelhub.deps import DbSession, HubDep
from modelhub.errors import ResourceNotFound
from modelhub.events.visitors import is_bot
from modelhub.partners.models import Partner
from modelhub.web.ids import file_stem  # noqa: F401  registers the {resource_id:rid} convertor

router = APIRouter(prefix="/api/v1/usage", tags=["analytics"])


@router.post("/downloads", status_code=201)
def report_download(
    request: Request, hub: HubDep, db: DbSession, body: DownloadReport
) -> ReportAccepted:
    """Count a download by consumer software (anonymous; per-address rate limit)."""
    limit(request, hub, 1)
    name = body.resource_id if body.version is None else f"{body.resource_id}/v{body.version}"
    target = resolve(db, name)
    if target is None:
        raise ReportRefused(
            "No published resource or version with this id.",
            code="usage_unknown_resource",
            field="resource_id",
        )
    client = client_of(request)
    consumer = (body.consumer or UNKNOWN).strip().lower() or UNKNOWN
    version = (body.consumer_version or "").strip()
    report = Report(target, consumer, version, client.user_agent, client.address)
    row = row_of(db, report, now=utcnow())
    append(db, [row])
    db.commit()
    return ReportAccepted(
        resource_id=target.resource_id,
        version=target.version_number,
        consumer=consumer,
        consumer_version=version,
        is_bot=bool(row["is_bot"]) or is_bot(consumer),
    )


@router.get("/resources/{resource_id:rid}")
def resource_usage(db: DbSession, resource_id: str) -> ResourceUsage:
    """A resource's downloads: people and bots apart, per version, per consumer, per period."""
    return stats.resource_usage(db, resource_id)


@router.get("/hub")
def hub_usage(db: DbSession) -> HubUsage:
    """The whole hub's downloads."""
    return stats.hub_usage(db)


@router.get("/top")
def top(db: DbSession, limit: Annotated[int, Query(ge=1, le=100)] = 10) -> list[TopResource]:
    """The resources people downloaded most."""
    return stats.top_resources(db, limit=limit)


@router.get("/live")
def live(db: DbSession, minutes: Annotated[int, Query(ge=1, le=2880)] = 30) -> LiveCounters:
    """Visits and downloads of the last ``minutes`` (raw events: current at once)."""
    return stats.live(db, minutes=minutes)


@router.get("/partners/{partner_id}")
def partner_usage(db: DbSession, partner_id: str) -> PartnerUsage:
    """People's downloads of a partner's resources."""
    partner = db.get(Partner, partner_id)
    if partner is None:
        raise ResourceNotFound(f"No partner '{partner_id}'.")
    found = [p for p in stats.partner_usage(db) if p.partner_id == partner_id]
    return (
        found[0] if found else PartnerUsage(partner_id=partner_id, name=partner.name, downloads=0)
    )
