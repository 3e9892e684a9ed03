"""The partner page's "Sync the collection now" button (its maintainers and admins)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import RedirectResponse, Response

from modelhub.accounts.deps import OptionalUser
from modelhub.accounts.views import login_redirect
from modelhub.deps import DbSession
from modelhub.links import Links
from modelhub.partner_sync.service import request_sync
from modelhub.partners import registry
from modelhub.partners.pages import check_form

router = APIRouter(include_in_schema=False)


@router.post("/partners/{partner_id}/sync")
def sync_now(
    request: Request,
    partner_id: str,
    db: DbSession,
    user: OptionalUser,
    csrf: Annotated[str, Form(max_length=128)] = "",
) -> Response:
    """Queue a sync (or join the one queued or running) and go back to the partner's page."""
    check_form(request, csrf)
    if user is None:
        return login_redirect(request, Links.partner_path(partner_id))
    partner = registry.managed(db, partner_id=partner_id, actor=user)
    request_sync(db, partner=partner, requested_by=user)
    db.commit()
    return RedirectResponse(Links.partner_path(partner_id, done="sync"), status_code=303)
