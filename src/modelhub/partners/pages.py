"""Partner pages, each with its JSON twin: the list, one partner (its people, sync status,
resources; for its maintainers and admins: maintainers and tokens), and the application form."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Form, Request
from fastapi.responses import RedirectResponse, Response
from pydantic import BaseModel, ValidationError

from modelhub.accounts.deps import OptionalUser
from modelhub.accounts.models import User
from modelhub.accounts.views import login_redirect
from modelhub.deps import DbSession
from modelhub.errors import Forbidden, HubError
from modelhub.links import Links
from modelhub.partners import registry, service, tokens, views
from modelhub.partners.ci_hook import CiHookRead
from modelhub.partners.ci_hook import read as ci_hook_read
from modelhub.partners.schemas import (
    ApplicationCreate,
    ApplicationRead,
    PartnerDetail,
    PartnerRead,
    PartnerTokenCreated,
    PartnerTokenRead,
)
from modelhub.web import render

router = APIRouter(include_in_schema=False)
_Text = Annotated[str, Form(max_length=20_000)]
_Url = Annotated[str, Form(max_length=2000)]
_Csrf = Annotated[str, Form(max_length=128)]
_FORM_EXPIRED = "The form expired. Please reload the page and try again."


def check_form(request: Request, csrf: str) -> None:
    if not render.csrf_ok(request, csrf):
        raise Forbidden(_FORM_EXPIRED)


class PartnersPage(BaseModel):
    partners: list[PartnerRead]
    can_apply: bool


@router.get("/partners")
def partners(request: Request, db: DbSession, user: OptionalUser) -> Response:
    """The community partners."""
    data = PartnersPage(
        partners=views.partners_read(db),
        can_apply=user is not None,
    )
    return render.page(request, "partners.html", data, extra={"user": user})


# -- applying (before /partners/{partner_id}: "apply" is never a partner id) ------------------


class ApplyPage(BaseModel):
    draft: ApplicationCreate | None = None
    error: str | None = None
    error_field: str | None = None
    notice: str | None = None
    applications: list[ApplicationRead]


def _apply_page(
    request: Request,
    db: DbSession,
    user: User,
    *,
    status_code: int = 200,
    draft: ApplicationCreate | None = None,
    error: str | None = None,
    error_field: str | None = None,
    notice: str | None = None,
) -> Response:
    own = [a for a in service.list_applications(db, viewer=user) if a.applicant_id == user.id]
    data = ApplyPage(
        applications=[views.application_read(db, a) for a in own],
        draft=draft,
        error=error,
        error_field=error_field,
        notice=notice,
    )
    return render.page(
        request, "partner_apply.html", data, status_code=status_code, extra={"user": user}
    )


@router.get("/partners/apply")
def apply_form(
    request: Request, db: DbSession, user: OptionalUser, done: str | None = None
) -> Response:
    """The application form, and your applications with the admins' answers."""
    if user is None:
        return login_redirect(request)
    notice = "Thank you: the admins have your application." if done == "applied" else None
    return _apply_page(request, db, user, notice=notice)


@router.post("/partners/apply")
def apply(
    request: Request,
    db: DbSession,
    user: OptionalUser,
    name: Annotated[str, Form(max_length=200)] = "",
    description: _Text = "",
    about_url: _Url = "",
    resources: _Text = "",
    collection_url: _Url = "",
    test_summary_url: _Url = "",
    maintenance_plan: _Text = "",
    proposed_id: Annotated[str, Form(max_length=64)] = "",
    csrf: _Csrf = "",
) -> Response:
    """Send an application."""
    check_form(request, csrf)
    if user is None:
        return login_redirect(request, Links.partner_apply_path())
    fields: dict[str, Any] = {
        "name": name, "description": description, "about_url": about_url or None,
        "resources": resources, "collection_url": collection_url,
        "test_summary_url": test_summary_url or None, "maintenance_plan": maintenance_plan,
        "proposed_id": proposed_id or None,
    }  # fmt: skip
    draft = ApplicationCreate.model_construct(**fields)
    try:
        service.apply(db, applicant=user, data=ApplicationCreate.model_validate(fields))
        db.commit()
    except ValidationError as exc:
        first = exc.errors()[0]
        field = str(first["loc"][0]) if first["loc"] else None
        problem = "please fill this in" if first["type"] == "string_too_short" else first["msg"]
        message = f"{(field or 'form').replace('_', ' ').capitalize()}: {problem}."
        return _apply_page(
            request, db, user, status_code=400, draft=draft, error=message, error_field=field
        )
    except HubError as exc:
        db.rollback()
        field = str(exc.details[0].loc[0]) if exc.details else None
        return _apply_page(
            request, db, user, status_code=exc.status_code, draft=draft, error=exc.message,
            error_field=field,
        )  # fmt: skip
    return RedirectResponse(Links.partner_apply_path(done="applied"), status_code=303)


# -- one partner ------------------------------------------------------------------------------


class PartnerPage(BaseModel):
    partner: PartnerDetail
    can_manage: bool
    # for its maintainers and admins only
    tokens: list[PartnerTokenRead] = []
    created: PartnerTokenCreated | None = None
    ci_hook: CiHookRead | None = None  # with its secret once, when just made
    notice: str | None = None
    error: str | None = None


def partner_page(
    request: Request,
    db: DbSession,
    user: User | None,
    partner_id: str,
    *,
    status_code: int = 200,
    created: PartnerTokenCreated | None = None,
    notice: str | None = None,
    error: str | None = None,
    ci_secret: str | None = None,
) -> Response:
    """The partner page (its maintainers and admins also see its tokens and CI hook)."""
    partner = registry.get_partner(db, partner_id=partner_id)
    manager = registry.can_manage(db, partner_id=partner_id, user=user)
    rows = tokens.list_tokens(db, partner_id=partner_id, actor=user) if manager else []
    data = PartnerPage(
        partner=views.partner_detail(db, partner),
        can_manage=manager,
        tokens=[PartnerTokenRead.model_validate(t) for t in rows],
        created=created,
        notice=notice,
        error=error,
        ci_hook=ci_hook_read(partner, ci_secret) if manager else None,
    )
    response = render.page(
        request, "partner.html", data, status_code=status_code, extra={"user": user}
    )
    if created is not None or ci_secret is not None:  # a secret: no cache may keep it
        response.headers["cache-control"] = "no-store"
    return response


_DONE = {
    "revoked": "The token was revoked: it stops working at once.",
    "added": "The maintainer was added.",
    "removed": "The maintainer was removed.",
    "sync": "A sync of the collection is on its way: this page shows its result once it ran.",
    "pulling": "A pull of the test summaries is queued; they show on the models' pages.",
    "ci-hook-removed": "The CI hook was removed: the partner's CI hears of nothing any more.",
}


@router.get("/partners/{partner_id}")
def partner(
    request: Request, partner_id: str, db: DbSession, user: OptionalUser, done: str | None = None
) -> Response:
    """A partner: about, maintainers, collection, sync status and resources."""
    return partner_page(request, db, user, partner_id, notice=_DONE.get(done or ""))
