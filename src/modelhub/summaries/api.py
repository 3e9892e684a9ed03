"""JSON routes of partners' test summaries: a partner's CI pushes them, anyone reads them per
version, the partner's maintainers ask for a pull now. Each route validates everything, then
stores, then commits once: a refused request stores nothing."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Request
from pydantic import BaseModel

import modelhub.web.ids  # noqa: F401  (registers the {resource_id:rid} path convertor)
from modelhub.accounts.deps import CurrentUser
from modelhub.compat import service, views
from modelhub.compat.models import SummaryOrigin
from modelhub.compat.schemas import PullState, VersionSummaries
from modelhub.deps import DbSession
from modelhub.partners import registry
from modelhub.summaries import body, pulls
from modelhub.summaries.deps import acting_for

router = APIRouter(prefix="/api/v1", tags=["test summaries"])


class StoredItem(BaseModel):
    resource_id: str
    version: str
    summaries: int


class PushAnswer(BaseModel):
    partner_id: str
    stored: int
    items: list[StoredItem]


async def raw_body(request: Request) -> bytes:
    """The body, read in the event loop (the route itself runs in the thread pool); its size
    is bounded by ``MODELHUB_MAX_BODY_BYTES`` before any of it is read."""
    return await request.body()


@router.post("/partners/{partner_id}/test-summaries")
def push(
    partner_id: str, request: Request, db: DbSession, raw: Annotated[bytes, Depends(raw_body)]
) -> PushAnswer:
    """Store test summaries of published versions for the partner ``partner_id`` (its partner
    token, or its maintainers and admins). The body (JSON or YAML) is one item, a list of
    them, or ``{"summaries": [...]}``; each names ``resource_id`` and ``version`` and holds a
    bioimageio.core ``test_summary``, a per-tool ``report`` (with ``tool`` and
    ``tool_version``) or ``tests`` (summary.json's). A summary with the key of a stored one
    replaces it."""
    partner = acting_for(request, db, partner_id=partner_id)
    data = body.parse(raw, request.headers.get("content-type", "application/json"))
    items = body.checked(data)
    versions = [
        service.published_version(db, resource_id=item.resource_id, version=item.version)
        for item, _ in items
    ]
    stored = [
        service.store(
            db, partner_id=partner.id, version=version, summaries=found, origin=SummaryOrigin.push
        )
        for (_, found), version in zip(items, versions, strict=True)
    ]
    db.commit()
    return PushAnswer(
        partner_id=partner.id,
        stored=sum(stored),
        items=[
            StoredItem(resource_id=v.resource_id, version=v.label, summaries=n)
            for v, n in zip(versions, stored, strict=True)
        ],
    )


@router.get("/resources/{resource_id:rid}/versions/{label}/test-summaries")
def version_summaries(resource_id: str, label: str, db: DbSession) -> VersionSummaries:
    """Partners' test summaries of a published version, per partner, and the "compatible
    with" badges the version has (from them and from the hub's own check)."""
    version = service.published_version(db, resource_id=resource_id, version=label)
    return views.version_summaries(db, version=version)


@router.post("/partners/{partner_id}/test-summaries/pull", status_code=202)
def pull_now(partner_id: str, db: DbSession, user: CurrentUser) -> PullState:
    """Fetch the partner's summaries from its ``test_summary_url`` now (its maintainers and
    admins); while a pull of the partner is queued or running, that one is the answer."""
    partner = registry.managed(db, partner_id=partner_id, actor=user)
    pulls.request_pull(db, partner=partner, requested_by=user.id)
    db.commit()
    return pulls.state_of(db, partner_id=partner.id)


@router.get("/partners/{partner_id}/test-summaries/pull")
def pull_state(partner_id: str, db: DbSession) -> PullState:
    """The partner's last pull of test summaries: when, how many stored, what went wrong."""
    registry.get_partner(db, partner_id=partner_id)
    return pulls.state_of(db, partner_id=partner_id)
