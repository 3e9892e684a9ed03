"""The forms of a partner's page for its maintainers and admins: tokens (made and revoked)
and maintainers (added and removed). Each form carries the page's CSRF token."""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import RedirectResponse, Response
from sqlalchemy.orm import Session

from modelhub.accounts.deps import OptionalUser
from modelhub.accounts.models import User
from modelhub.accounts.views import login_redirect
from modelhub.deps import DbSession, HubDep
from modelhub.errors import HubError
from modelhub.links import Links
from modelhub.partners import ci_hook, registry, tokens
from modelhub.partners.pages import check_form, partner_page
from modelhub.partners.schemas import PartnerTokenCreated, PartnerTokenRead

router = APIRouter(include_in_schema=False)
_Csrf = Annotated[str, Form(max_length=128)]


def _back(partner_id: str, done: str) -> RedirectResponse:
    return RedirectResponse(Links.partner_path(partner_id, done=done), status_code=303)


def _change_maintainers(
    request: Request,
    db: Session,
    user: User,
    partner_id: str,
    change: Callable[[], None],
    done: str,
) -> Response:
    """Apply ``change`` and go back to the page; a refusal other than 403 shows the page again
    with its message (nothing kept)."""
    try:
        change()
        db.commit()
    except HubError as exc:
        db.rollback()
        if exc.status_code == 403:
            raise
        return partner_page(
            request, db, user, partner_id, status_code=exc.status_code, error=exc.message
        )
    return _back(partner_id, done)


@router.post("/partners/{partner_id}/tokens")
def create_token(
    request: Request,
    partner_id: str,
    db: DbSession,
    user: OptionalUser,
    name: Annotated[str, Form(max_length=1000)] = "",
    csrf: _Csrf = "",
) -> Response:
    """Make a partner token; this answer is the only place its secret ever appears."""
    check_form(request, csrf)
    if user is None:
        return login_redirect(request, Links.partner_path(partner_id))
    label = name.strip()
    if not 1 <= len(label) <= 100:
        error = "Give the token a name of 1 to 100 characters, e.g. the CI that uses it."
        return partner_page(request, db, user, partner_id, status_code=400, error=error)
    token, secret = tokens.create_token(db, partner_id=partner_id, actor=user, name=label)
    db.commit()
    created = PartnerTokenCreated(
        **PartnerTokenRead.model_validate(token).model_dump(), token=secret
    )
    return partner_page(request, db, user, partner_id, status_code=201, created=created)


@router.post("/partners/{partner_id}/tokens/{token_id}/revoke")
def revoke_token(
    request: Request,
    partner_id: str,
    token_id: int,
    db: DbSession,
    user: OptionalUser,
    csrf: _Csrf = "",
) -> Response:
    """Revoke one of the partner's tokens."""
    check_form(request, csrf)
    if user is None:
        return login_redirect(request, Links.partner_path(partner_id))
    tokens.revoke_token(db, partner_id=partner_id, actor=user, token_id=token_id)
    db.commit()
    return _back(partner_id, "revoked")


@router.post("/partners/{partner_id}/maintainers")
def add_maintainer(
    request: Request,
    partner_id: str,
    db: DbSession,
    user: OptionalUser,
    username: Annotated[str, Form(max_length=320)] = "",
    csrf: _Csrf = "",
) -> Response:
    """Add a maintainer by username or e-mail."""
    check_form(request, csrf)
    if user is None:
        return login_redirect(request, Links.partner_path(partner_id))

    def change() -> None:
        registry.add_maintainer(db, partner_id=partner_id, actor=user, name=username)

    return _change_maintainers(request, db, user, partner_id, change, "added")


@router.post("/partners/{partner_id}/maintainers/{username}/remove")
def remove_maintainer(
    request: Request,
    partner_id: str,
    username: str,
    db: DbSession,
    user: OptionalUser,
    csrf: _Csrf = "",
) -> Response:
    """Remove a maintainer (never the last one)."""
    check_form(request, csrf)
    if user is None:
        return login_redirect(request, Links.partner_path(partner_id))

    def change() -> None:
        registry.remove_maintainer(db, partner_id=partner_id, actor=user, username=username)

    return _change_maintainers(request, db, user, partner_id, change, "removed")


@router.post("/partners/{partner_id}/ci-hook")
def set_ci_hook(
    request: Request,
    partner_id: str,
    hub: HubDep,
    db: DbSession,
    user: OptionalUser,
    url: Annotated[str, Form(max_length=2000)] = "",
    new_secret: Annotated[str, Form(max_length=8)] = "",
    remove: Annotated[str, Form(max_length=8)] = "",
    csrf: _Csrf = "",
) -> Response:
    """Set (or remove) the URL that hears of published and yanked versions; a secret made
    now shows on this answer only."""
    check_form(request, csrf)
    if user is None:
        return login_redirect(request, Links.partner_path(partner_id))
    if remove:
        ci_hook.remove_hook(db, partner_id=partner_id, actor=user)
        db.commit()
        return _back(partner_id, "ci-hook-removed")
    try:
        _, secret = ci_hook.set_hook(
            db,
            partner_id=partner_id,
            actor=user,
            url=url,
            new_secret=bool(new_secret),
            allow_private=hub.settings.webhook_allow_private,
        )
        db.commit()
    except HubError as exc:
        db.rollback()
        if exc.status_code == 403:
            raise
        return partner_page(
            request, db, user, partner_id, status_code=exc.status_code, error=exc.message
        )
    notice = "The CI hook was saved." + (" Copy its new secret now." if secret else "")
    return partner_page(request, db, user, partner_id, notice=notice, ci_secret=secret)
