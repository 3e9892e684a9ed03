"""Account pages: login and logout (cookie sessions, CSRF-protected forms), the account page
with its API tokens, and the admins' user list."""

from __future__ import annotations

import logging
from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import JSONResponse, RedirectResponse, Response
from pydantic import BaseModel

from modelhub.accounts import service, signup, throttle, views
from modelhub.accounts.deps import OptionalUser
from modelhub.accounts.models import Role, User
from modelhub.accounts.oidc_pages import ProviderButton
from modelhub.accounts.oidc_pages import buttons as oidc_buttons
from modelhub.accounts.redirects import safe_next
from modelhub.accounts.schemas import TokenCreated, TokenRead
from modelhub.deps import DbSession, HubDep, get_hub
from modelhub.errors import Conflict, Forbidden, HubError, InvalidRequest
from modelhub.links import Links
from modelhub.web import render
from modelhub.web.cookies import SESSION_COOKIE

router = APIRouter(include_in_schema=False)
log = logging.getLogger("modelhub.accounts")


class LoginPage(BaseModel):
    username: str = ""
    error: str | None = None
    next: str = "/"
    providers: list[ProviderButton] = []  # "Log in with …" (OpenID Connect)


def _login_form(request: Request, data: LoginPage, status_code: int = 200) -> Response:
    providers = oidc_buttons(get_hub(request).settings, data.next)
    data = data.model_copy(update={"providers": providers})
    return render.page(request, "login.html", data, status_code=status_code)


def _throttled(request: Request, data: LoginPage, wait: int) -> Response:
    """429 with Retry-After: the form with a plain message, or the error shape for tools."""
    message = f"Too many failed attempts; try again in {throttle.in_minutes(wait)}."
    if render.wants_json(request):
        error = HubError(message=message, status_code=429, code="too_many_attempts")
        response: Response = JSONResponse(error.as_json(), status_code=429)
    else:
        response = _login_form(request, data.model_copy(update={"error": message}), 429)
    response.headers["retry-after"] = str(wait)
    return response


@router.get("/login")
def login_form(request: Request, next: str | None = None) -> Response:
    """The login form."""
    return _login_form(request, LoginPage(next=safe_next(next)))


@router.post("/login")
def login(
    request: Request,
    hub: HubDep,
    db: DbSession,
    username: Annotated[str, Form(max_length=64)],
    password: Annotated[str, Form(max_length=1024)],
    csrf: Annotated[str, Form(max_length=128)] = "",
    next: Annotated[str, Form(max_length=2048)] = "/",
) -> Response:
    """Check the password and start a session cookie."""
    if not render.csrf_ok(request, csrf):
        raise Forbidden("The form expired. Please reload the page and try again.")
    address = request.client.host if request.client else "unknown"
    wait = throttle.seconds_to_wait(db, username=username, address=address)
    if wait:
        log.warning("login refused (throttled %d s): account %r from %s", wait, username, address)
        return _throttled(request, LoginPage(username=username, next=next), wait)
    user = service.authenticate(db, username=username, password=password)
    if user is None:
        policy = throttle.Policy.of(hub.settings)
        wait = throttle.record_failure(db, username=username, address=address, policy=policy)
        db.commit()
        log.warning("failed login: account %r from %s", username, address)
        error = "Wrong username or password."
        if wait:
            error += f" Too many failed attempts; try again in {throttle.in_minutes(wait)}."
        data = LoginPage(username=username, error=error, next=next)
        return _login_form(request, data, status_code=401)
    throttle.record_success(db, username=username)
    session_id = service.start_session(db, user=user, days=hub.settings.session_days)
    db.commit()
    response = RedirectResponse(safe_next(next), status_code=303)
    response.set_cookie(
        SESSION_COOKIE,
        session_id,
        max_age=hub.settings.session_days * 86400,
        httponly=True,
        samesite="lax",
        secure=hub.settings.secure_cookies,
    )
    return response


@router.post("/logout")
def logout(
    request: Request,
    db: DbSession,
    user: OptionalUser,
    csrf: Annotated[str, Form(max_length=128)] = "",
) -> Response:
    """End the session."""
    if not render.csrf_ok(request, csrf):
        raise Forbidden("The form expired. Please reload the page and try again.")
    cookie = request.cookies.get(SESSION_COOKIE)
    if cookie:
        service.end_session(db, session_id=cookie)
        db.commit()
    response = RedirectResponse(Links.catalog_path(), status_code=303)
    response.delete_cookie(SESSION_COOKIE)
    return response


# --- the account page: who you are and your API tokens ---------------------------------------

_ACCOUNT_DONE = {
    "revoked": "The token was revoked: it stops working at once.",
    "profile": "Your profile is saved.",
    "password": "Your password is changed; your other logins ended.",
    "confirm": "We sent a link to the new address: it becomes yours when you open it.",
    "connected": "Connected: you can now log in with that service too.",
}


def _check_form(request: Request, csrf: str) -> None:
    if not render.csrf_ok(request, csrf):
        raise Forbidden("The form expired. Please reload the page and try again.")


@router.get("/account")
def account(
    request: Request, hub: HubDep, db: DbSession, user: OptionalUser, done: str | None = None
) -> Response:
    """Your account: username, role, e-mail and API tokens (secrets are never shown again)."""
    if user is None:
        return views.login_redirect(request)
    data = views.account_page(db, user=user, links=hub.links, notice=_ACCOUNT_DONE.get(done or ""))
    return render.page(request, "account.html", data, extra={"user": user})


@router.post("/account/tokens")
def create_token(
    request: Request,
    hub: HubDep,
    db: DbSession,
    user: OptionalUser,
    name: Annotated[str, Form(max_length=1000)] = "",
    csrf: Annotated[str, Form(max_length=128)] = "",
) -> Response:
    """Create an API token; this answer is the only place its secret ever appears."""
    _check_form(request, csrf)
    if user is None:
        return views.login_redirect(request, Links.account_path())
    label = name.strip()
    if not 1 <= len(label) <= 100:
        data = views.account_page(
            db, user=user, links=hub.links, token_name=name[:100],
            error="Give the token a name of 1 to 100 characters, e.g. the machine that uses it.",
        )  # fmt: skip
        return render.page(request, "account.html", data, status_code=400, extra={"user": user})
    token, secret = service.create_token(db, user=user, name=label)
    db.commit()
    created = TokenCreated(**TokenRead.model_validate(token).model_dump(), token=secret)
    data = views.account_page(db, user=user, links=hub.links, created=created)
    response = render.page(request, "account.html", data, status_code=201, extra={"user": user})
    # the page holds a secret: no cache may keep it
    response.headers["cache-control"] = "no-store"
    return response


@router.post("/account/tokens/{token_id}/revoke")
def revoke_token(
    request: Request,
    token_id: int,
    db: DbSession,
    user: OptionalUser,
    csrf: Annotated[str, Form(max_length=128)] = "",
) -> Response:
    """Revoke one of your tokens."""
    _check_form(request, csrf)
    if user is None:
        return views.login_redirect(request, Links.account_path())
    service.revoke_token(db, user=user, token_id=token_id)
    db.commit()
    return RedirectResponse(Links.account_path(done="revoked"), status_code=303)


# --- user administration ---------------------------------------------------------------------


def _admin(request: Request, user: User | None) -> User | Response:
    if user is None:
        return views.login_redirect(request, Links.admin_users_path())
    if not user.role.at_least(Role.admin):
        raise Forbidden("Only an admin can manage users.")
    return user


@router.get("/admin/users")
def admin_users(
    request: Request,
    hub: HubDep,
    db: DbSession,
    user: OptionalUser,
    done: str | None = None,
    who: str | None = None,
) -> Response:
    """Every account with its role and active flag; admins change them here."""
    admin = _admin(request, user)
    if isinstance(admin, Response):
        return admin
    notices = {"saved": f"Saved the changes to {who}.", "added": f"Added the user {who}."}
    notice = notices.get(done or "") if who else None
    data = views.admin_users_page(db, admin=admin, notice=notice)
    data.signup_policy = signup.policy(db, hub.settings)
    return render.page(request, "admin_users.html", data, extra={"user": admin})


_ACTIVE = {"active": True, "inactive": False}


def _user_changes(role: str, active: str) -> tuple[Role | None, bool | None]:
    """The form's values as the service takes them (an empty field changes nothing)."""
    try:
        new_role = Role(role) if role else None
    except ValueError:
        raise InvalidRequest("The role must be member, reviewer or admin.") from None
    if active and active not in _ACTIVE:
        raise InvalidRequest("The status must be active or inactive.")
    return new_role, _ACTIVE.get(active)


@router.post("/admin/users")
def add_user(
    request: Request,
    db: DbSession,
    user: OptionalUser,
    username: Annotated[str, Form(max_length=64)] = "",
    email: Annotated[str, Form(max_length=320)] = "",
    role: Annotated[str, Form(max_length=32)] = "member",
    password: Annotated[str, Form(max_length=1024)] = "",
    csrf: Annotated[str, Form(max_length=128)] = "",
) -> Response:
    """Create an account with a password for the web login (admins)."""
    _check_form(request, csrf)
    admin = _admin(request, user)
    if isinstance(admin, Response):
        return admin
    name = username.strip()
    try:
        new_role, _ = _user_changes(role, "")
        service.create_user(
            db,
            username=name,
            role=new_role or Role.member,
            email=email.strip() or None,
            password=password,
        )
        db.commit()
    except (InvalidRequest, Conflict) as exc:
        db.rollback()
        data = views.admin_users_page(db, admin=admin).model_copy(
            update={"create_error": exc.message, "draft_username": name, "draft_email": email}
        )
        return render.page(
            request, "admin_users.html", data, status_code=exc.status_code, extra={"user": admin}
        )
    return RedirectResponse(Links.admin_users_path(done="added", who=name), 303)


@router.post("/admin/users/{username}")
def update_user(
    request: Request,
    username: str,
    db: DbSession,
    user: OptionalUser,
    role: Annotated[str, Form(max_length=32)] = "",
    active: Annotated[str, Form(max_length=16)] = "",
    csrf: Annotated[str, Form(max_length=128)] = "",
) -> Response:
    """Change an account's role and active flag (admins; never their own)."""
    _check_form(request, csrf)
    admin = _admin(request, user)
    if isinstance(admin, Response):
        return admin
    try:
        new_role, is_active = _user_changes(role, active)
        service.update_user(db, actor=admin, username=username, role=new_role, is_active=is_active)
        db.commit()
    except (InvalidRequest, Conflict) as exc:
        db.rollback()
        data = views.admin_users_page(db, admin=admin, error=exc.message, error_user=username)
        return render.page(
            request, "admin_users.html", data, status_code=exc.status_code, extra={"user": admin}
        )
    return RedirectResponse(Links.admin_users_path(done="saved", who=username), 303)
