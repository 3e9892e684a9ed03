"""Log in with an OpenID Connect provider, and connect one to your account.

``GET /login/oidc/<name>`` sends the browser to the provider (authorization code flow with
PKCE, state and nonce); ``GET /login/oidc/<name>/callback`` checks the answer and starts the
session. ``POST /account/oidc/<name>/connect`` starts the same flow for the logged-in user, to
link the provider's account to theirs. The flow's secrets stay in a short-lived cookie of the
browser that started it (HttpOnly, SameSite=Lax, only sent to ``/login/oidc``); a callback
whose ``state`` does not match that cookie is refused.
"""

from __future__ import annotations

import base64
import binascii
import json
import logging
import secrets
from typing import Annotated, Any

from fastapi import APIRouter, Form, Request
from fastapi.responses import RedirectResponse, Response
from pydantic import BaseModel

from modelhub.accounts import oidc, oidc_link, service
from modelhub.accounts.deps import OptionalUser
from modelhub.accounts.oidc import OidcError
from modelhub.accounts.redirects import safe_next
from modelhub.config import OidcProvider, Settings
from modelhub.deps import DbSession, HubDep
from modelhub.errors import Forbidden
from modelhub.links import Links
from modelhub.web import render
from modelhub.web.cookies import SESSION_COOKIE

router = APIRouter(include_in_schema=False)
log = logging.getLogger("modelhub.accounts.oidc")
FLOW_COOKIE = "modelhub_oidc"
FLOW_PATH = "/login/oidc"
FLOW_SECONDS = 600


class ProviderButton(BaseModel):
    name: str
    title: str
    url: str


def buttons(settings: Settings, next_path: str = "/") -> list[ProviderButton]:
    """The 'Log in with …' buttons of the login page."""
    return [
        ProviderButton(name=name, title=p.title, url=Links.oidc_login_path(name, next_path))
        for name, p in settings.oidc_providers.items()
    ]


def _provider(settings: Settings, name: str) -> OidcProvider:
    provider = settings.oidc_providers.get(name)
    if provider is None:
        raise OidcError(
            f"This hub has no login service named '{name}'.",
            code="oidc_unknown_provider",
            status_code=404,
        )
    return provider


def _redirect_uri(settings: Settings, name: str) -> str:
    return settings.base_url.rstrip("/") + Links.oidc_callback_path(name)


def _begin(settings: Settings, name: str, *, next_path: str, connect_user: int | None) -> Response:
    provider = _provider(settings, name)
    meta = oidc.discover(name, provider, settings)
    started = oidc.start(meta, provider, _redirect_uri(settings, name))
    flow = {
        "provider": name,
        "state": started.state,
        "nonce": started.nonce,
        "verifier": started.verifier,
        "next": safe_next(next_path),
        "connect": connect_user,
    }
    response = RedirectResponse(started.url, status_code=303)
    response.set_cookie(
        FLOW_COOKIE,
        base64.urlsafe_b64encode(json.dumps(flow).encode()).decode(),
        max_age=FLOW_SECONDS,
        path=FLOW_PATH,
        httponly=True,
        samesite="lax",  # the provider's redirect back is a top-level GET from its site
        secure=settings.secure_cookies,
    )
    return response


@router.get("/login/oidc/{name}")
def oidc_login(hub: HubDep, name: str, next: str | None = None) -> Response:
    """Send the browser to the provider's login."""
    return _begin(hub.settings, name, next_path=next or "/", connect_user=None)


@router.post("/account/oidc/{name}/connect")
def oidc_connect(
    request: Request,
    hub: HubDep,
    user: OptionalUser,
    name: str,
    csrf: Annotated[str, Form(max_length=128)] = "",
) -> Response:
    """Connect a provider's account to yours: log in there, and it is linked on the way back."""
    if not render.csrf_ok(request, csrf):
        raise Forbidden("The form expired. Please reload the page and try again.")
    if user is None:
        return RedirectResponse(Links.login_path(Links.account_path()), 303)
    return _begin(hub.settings, name, next_path=Links.account_path(), connect_user=user.id)


def _flow(request: Request, name: str, state: str | None) -> dict[str, Any]:
    try:
        loaded = json.loads(base64.urlsafe_b64decode(request.cookies.get(FLOW_COOKIE) or "e30="))
    except (ValueError, binascii.Error):
        loaded = None
    flow: dict[str, Any] = loaded if isinstance(loaded, dict) else {}
    expected = flow.get("state")
    if (
        not isinstance(expected, str)
        or not state
        or not secrets.compare_digest(expected, state)
        or flow.get("provider") != name
    ):
        raise OidcError(
            "This login could not be matched to one started in this browser (it expired, or"
            " came from elsewhere). Please start again from the login page.",
            code="oidc_state_mismatch",
        )
    return flow


@router.get("/login/oidc/{name}/callback")
def oidc_callback(
    request: Request,
    hub: HubDep,
    db: DbSession,
    user: OptionalUser,
    name: str,
    code: str | None = None,
    state: str | None = None,
    error: str | None = None,
) -> Response:
    """The provider's answer: check it, then log in (or connect) and go on."""
    settings = hub.settings
    provider = _provider(settings, name)
    flow = _flow(request, name, state)
    if error or not code:
        raise OidcError(
            f"{provider.title} did not log you in ({(error or 'no code')[:100]}).",
            code="oidc_denied",
        )
    meta = oidc.discover(name, provider, settings)
    redirect_uri = _redirect_uri(settings, name)
    id_token = oidc.exchange(
        name,
        meta,
        provider,
        settings,
        code=code,
        verifier=flow["verifier"],
        redirect_uri=redirect_uri,
    )
    claims = oidc.verify(name, id_token, meta, provider, settings, nonce=flow["nonce"])
    if flow.get("connect") is not None:
        if user is None or user.id != flow["connect"]:
            raise OidcError(
                "Log in to the account to connect first, then try again.",
                code="oidc_state_mismatch",
            )
        oidc_link.connect(db, user=user, provider=name, issuer=meta.issuer, claims=claims)
        db.commit()
        response: Response = RedirectResponse(Links.account_path(done="connected"), 303)
    else:
        found = oidc_link.login(
            db, provider=name, issuer=meta.issuer, claims=claims,
            create=settings.oidc_create_accounts,
        )  # fmt: skip
        session_id = service.start_session(db, user=found, days=settings.session_days)
        db.commit()
        log.info("login of %r through %s", found.username, name)
        response = RedirectResponse(safe_next(flow.get("next")), 303)
        response.set_cookie(
            SESSION_COOKIE,
            session_id,
            max_age=settings.session_days * 86400,
            httponly=True,
            samesite="lax",
            secure=settings.secure_cookies,
        )
    response.delete_cookie(FLOW_COOKIE, path=FLOW_PATH)
    return response
