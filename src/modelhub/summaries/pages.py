"""The partner page's "pull test summaries now" button (its maintainers and admins)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import RedirectResponse, Response

from modelhub.accounts.deps import OptionalUser
from modelhub.accounts.views import login_redirect
from modelhub.deps import DbSession
from modelhub.links import Links
from modelhub.partners import registry
from modelhub.partners.pages import check_form
from modelhub.summaries import pulls

router = APIRouter(include_in_schema=False)


@router.post("/partners/{partner_id}/test-summaries/pull")
def pull_now(
    request: Request,
    partner_id: str,
    db: DbSession,
    user: OptionalUser,
    csrf: Annotated[str, Form(max_length=128)] = "",
) -> Response:
    """Queue a pull of the partner's test summaries (or find the one queued or running)."""
    check_form(request, csrf)
    if user is None:
        return login_redirect(request, Links.partner_path(partner_id))
    partner = registry.managed(db, partner_id=partner_id, actor=user)
    pulls.request_pull(db, partner=partner, requested_by=user.id)
    db.commit()
    return RedirectResponse(Links.partner_path(partner_id, done="pulling"), status_code=303)
