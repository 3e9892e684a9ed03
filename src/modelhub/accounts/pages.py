"""Login and logout pages (cookie sessions, CSRF-protected forms)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import RedirectResponse, Response
from pydantic import BaseModel

from modelhub.accounts import service
from modelhub.deps import SESSION_COOKIE, DbSession, HubDep, OptionalUser
from modelhub.errors import Forbidden
from modelhub.web import render

router = APIRouter(include_in_schema=False)


class LoginPage(BaseModel):
    username: str = ""
    error: str | None = None
    next: str = "/"


def _safe_next(target: str | None) -> str:
    # only local paths: a login link must not send people to another site
    if not target or not target.startswith("/") or target.startswith("//"):
        return "/"
    return target


def _login_form(request: Request, data: LoginPage, status_code: int = 200) -> Response:
    return render.page(request, "login.html", data, status_code=status_code)


@router.get("/login")
def login_form(request: Request, next: str | None = None) -> Response:
    """The login form."""
    return _login_form(request, LoginPage(next=_safe_next(next)))


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
    user = service.authenticate(db, username=username, password=password)
    if user is None:
        data = LoginPage(username=username, error="Wrong username or password.", next=next)
        return _login_form(request, data, status_code=401)
    session_id = service.start_session(db, user=user, days=hub.settings.session_days)
    db.commit()
    response = RedirectResponse(_safe_next(next), status_code=303)
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
    response = RedirectResponse("/", status_code=303)
    response.delete_cookie(SESSION_COOKIE)
    return response
