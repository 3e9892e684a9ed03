"""The sync hook: ``POST /api/v1/partners/{partner_id}/sync``, for the partner's CI (its partner
token) and for its maintainers and admins (their API token or login). Answers 202 with the job
that will sync (or is already syncing) the collection; ``GET /api/v1/partners/{id}`` shows the
result: sync status and per-entry errors."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Request
from pydantic import BaseModel
from sqlalchemy.orm import Session

from modelhub.accounts.deps import optional_user
from modelhub.accounts.models import User
from modelhub.deps import DbSession
from modelhub.errors import Forbidden, NotAuthenticated
from modelhub.jobs.models import JobStatus
from modelhub.links import Links
from modelhub.partner_sync.service import request_sync
from modelhub.partners import registry, tokens
from modelhub.partners.deps import calling_token
from modelhub.partners.models import Partner

router = APIRouter(prefix="/api/v1/partners", tags=["partners"])


class SyncQueued(BaseModel):
    partner_id: str
    job_id: int
    status: JobStatus
    partner_url: str


def sync_caller(request: Request, db: Session, partner_id: str) -> tuple[Partner, User | None]:
    """The partner, when the caller may sync it: its own partner token, or a person who
    maintains it (or an admin). The person is returned (None for a partner token)."""
    partner = registry.get_partner(db, partner_id=partner_id)
    _, _, secret = (request.headers.get("authorization") or "").partition(" ")
    if tokens.is_partner_token(secret.strip()):
        token = calling_token(request, db)
        if token.partner_id != partner.id:
            raise Forbidden(
                f"This partner token belongs to '{token.partner_id}', not to '{partner.id}'.",
                code="wrong_partner",
            )
        return partner, None
    user = optional_user(request, db)
    if user is None:
        raise NotAuthenticated(
            "Send the partner's token ('Authorization: Bearer <partner token>'), or log in as "
            "one of its maintainers."
        )
    return registry.managed(db, partner_id=partner_id, actor=user), user


@router.post("/{partner_id}/sync", status_code=202)
def sync(
    request: Request,
    partner_id: str,
    db: DbSession,
    full: Annotated[
        bool, Query(description="Fetch every entry again, even unchanged ones")
    ] = False,
) -> SyncQueued:
    """Sync the partner's collection now (or join the sync already queued or running)."""
    partner, user = sync_caller(request, db, partner_id)
    job = request_sync(db, partner=partner, full=full, requested_by=user)
    db.commit()
    return SyncQueued(
        partner_id=partner.id,
        job_id=job.id,
        status=job.status,
        partner_url=Links.partner_path(partner.id),
    )
