"""The admins' page of partners: waiting applications with their approve and decline forms,
every partner's sync status with its failing entries, then the decided applications."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import RedirectResponse, Response
from pydantic import BaseModel

from modelhub.accounts.deps import OptionalUser
from modelhub.accounts.models import User
from modelhub.accounts.views import login_redirect
from modelhub.deps import DbSession
from modelhub.errors import Forbidden, HubError
from modelhub.links import Links
from modelhub.partners import service, views
from modelhub.partners.pages import check_form
from modelhub.partners.rules import ID_MAX
from modelhub.partners.schemas import ApplicationRead, PartnerSyncRow
from modelhub.web import render

router = APIRouter(include_in_schema=False)
_Csrf = Annotated[str, Form(max_length=128)]
_Text = Annotated[str, Form(max_length=20_000)]
PAGE = Links.partner_applications_path()


class AdminPartnersPage(BaseModel):
    waiting: list[ApplicationRead]
    decided: list[ApplicationRead]
    syncs: list[PartnerSyncRow] = []
    id_max: int = ID_MAX
    notice: str | None = None
    error: str | None = None
    error_application: int | None = None


def _admin(request: Request, user: User | None) -> User | Response:
    if user is None:
        return login_redirect(request, PAGE)
    if not service.is_admin(user):
        raise Forbidden("Only an admin can decide on partner applications.")
    return user


def _page(
    request: Request,
    db: DbSession,
    admin: User,
    *,
    status_code: int = 200,
    notice: str | None = None,
    error: str | None = None,
    error_application: int | None = None,
) -> Response:
    rows = [views.application_read(db, a) for a in service.list_applications(db, viewer=admin)]
    data = AdminPartnersPage(
        waiting=[a for a in rows if a.status.value == "applied"],
        decided=[a for a in rows if a.status.value != "applied"],
        syncs=views.sync_overview(db),
        notice=notice,
        error=error,
        error_application=error_application,
    )
    return render.page(
        request, "admin_partners.html", data, status_code=status_code, extra={"user": admin}
    )


@router.get(PAGE)
def applications(
    request: Request, db: DbSession, user: OptionalUser, done: str | None = None,
    who: str | None = None,
) -> Response:  # fmt: skip
    """Partner applications: the waiting ones with their forms, then the decided ones."""
    admin = _admin(request, user)
    if isinstance(admin, Response):
        return admin
    notices = {"approved": f"Approved: {who} is a partner now.", "declined": "Declined."}
    return _page(request, db, admin, notice=notices.get(done or "") if who else None)


@router.post(PAGE + "/{application_id}/approve")
def approve(
    request: Request,
    application_id: int,
    db: DbSession,
    user: OptionalUser,
    partner_id: Annotated[str, Form(max_length=64)] = "",
    message: _Text = "",
    csrf: _Csrf = "",
) -> Response:
    """Approve under the agreed partner id."""
    check_form(request, csrf)
    admin = _admin(request, user)
    if isinstance(admin, Response):
        return admin
    try:
        partner = service.approve(
            db, application_id=application_id, actor=admin, partner_id=partner_id,
            message=message,
        )  # fmt: skip
        db.commit()
    except HubError as exc:
        db.rollback()
        return _page(
            request, db, admin, status_code=exc.status_code, error=exc.message,
            error_application=application_id,
        )  # fmt: skip
    return RedirectResponse(Links.partner_applications_path(done="approved", who=partner.id), 303)


@router.post(PAGE + "/{application_id}/decline")
def decline(
    request: Request,
    application_id: int,
    db: DbSession,
    user: OptionalUser,
    message: _Text = "",
    csrf: _Csrf = "",
) -> Response:
    """Decline with a message for the applicant."""
    check_form(request, csrf)
    admin = _admin(request, user)
    if isinstance(admin, Response):
        return admin
    try:
        service.decline(db, application_id=application_id, actor=admin, message=message)
        db.commit()
    except HubError as exc:
        db.rollback()
        return _page(
            request, db, admin, status_code=exc.status_code, error=exc.message,
            error_application=application_id,
        )  # fmt: skip
    return RedirectResponse(
        Links.partner_applications_path(done="declined", who=application_id), 303
    )
