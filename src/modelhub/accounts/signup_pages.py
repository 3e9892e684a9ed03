"""Pages of self sign-up, address confirmation and password reset (CSRF-protected forms)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import Response

from modelhub.accounts import onetime, signup
from modelhub.accounts.mail import mail_on
from modelhub.accounts.signup_api import FORGOT_ANSWER
from modelhub.accounts.signup_flow import (
    TooManyAttempts,
    address_of,
    count_attempt,
    send_confirmation,
    send_reset,
)
from modelhub.accounts.signup_views import (
    FormPage,
    done_page,
    forgot_page,
    reset_page,
    signup_page,
)
from modelhub.deps import DbSession, HubDep
from modelhub.errors import Conflict, Forbidden, HubError, InvalidRequest
from modelhub.web import render

router = APIRouter(include_in_schema=False)
_Short = Annotated[str, Form(max_length=128)]


def _show(request: Request, data: FormPage, status_code: int = 200) -> Response:
    response = render.page(request, "simple_form.html", data, status_code=status_code)
    response.headers["cache-control"] = "no-store"  # forms may carry a secret of a link
    return response


def _refused(request: Request, data: FormPage, exc: HubError) -> Response:
    data = data.model_copy(update={"error": exc.message, "code": exc.code})
    response = _show(request, data, exc.status_code)
    if isinstance(exc, TooManyAttempts):
        response.headers["retry-after"] = str(exc.wait)
    return response


def _check_form(request: Request, csrf: str) -> None:
    if not render.csrf_ok(request, csrf):
        raise Forbidden("The form expired. Please reload the page and try again.")


@router.get("/signup")
def signup_form(
    request: Request, hub: HubDep, db: DbSession, invitation: str | None = None
) -> Response:
    """The sign-up form, or why this hub takes none."""
    rule = signup.policy(db, hub.settings)
    data = signup_page(rule, mail_on=mail_on(hub.settings), invitation=(invitation or "")[:128])
    return _show(request, data, 403 if data.code else 200)


@router.post("/signup")
def signup_submit(
    request: Request,
    hub: HubDep,
    db: DbSession,
    username: Annotated[str, Form(max_length=64)] = "",
    email: Annotated[str, Form(max_length=320)] = "",
    password: Annotated[str, Form(max_length=1024)] = "",
    invitation: _Short = "",
    csrf: _Short = "",
) -> Response:
    """Create the account; with e-mail on, send the confirmation link."""
    _check_form(request, csrf)
    on = mail_on(hub.settings)
    rule = signup.policy(db, hub.settings)
    form = signup_page(rule, mail_on=on, invitation=invitation, username=username, email=email)
    try:
        count_attempt(db, hub.settings, scope="signup", key=address_of(request))
        db.commit()
        user, secret = signup.sign_up(
            db, hub.settings, username=username.strip(), password=password,
            email=email, invitation=invitation or None, mail_on=on,
        )  # fmt: skip
        db.commit()
    except (InvalidRequest, Conflict, Forbidden, TooManyAttempts) as exc:
        db.rollback()
        return _refused(request, form, exc)
    if secret and user.email:
        sent = send_confirmation(hub.settings, hub.links, to=user.email, secret=secret)
        message = (
            f"Welcome, {user.username}! We sent a link to {user.email}: open it to confirm "
            "your address. Until then you can log in, but not upload."
            if sent
            else f"Welcome, {user.username}! The confirmation e-mail could not be sent; ask "
            "for a new one on your account page after logging in."
        )
    else:
        message = f"Welcome, {user.username}! Your account is ready: log in."
    return _show(request, done_page("Account created", message), 201)


@router.get("/signup/confirm")
def confirm_address(request: Request, db: DbSession, token: str = "") -> Response:
    """Follow the e-mailed link: the address is confirmed (each link works once)."""
    try:
        user = signup.confirm(db, secret=token[:128])
        db.commit()
    except (InvalidRequest, Conflict) as exc:
        db.rollback()
        return _refused(request, done_page("Confirm your address", ""), exc)
    message = f"Thank you: {user.email} is confirmed for {user.username}."
    return _show(request, done_page("Address confirmed", message))


@router.get("/password/forgot")
def forgot_form(request: Request, hub: HubDep) -> Response:
    """Ask for a password reset link."""
    return _show(request, forgot_page(mail_on=mail_on(hub.settings)))


@router.post("/password/forgot")
def forgot_submit(
    request: Request,
    hub: HubDep,
    db: DbSession,
    email: Annotated[str, Form(max_length=320)] = "",
    csrf: _Short = "",
) -> Response:
    """Send the link if an account has this address; the answer is the same either way."""
    _check_form(request, csrf)
    on = mail_on(hub.settings)
    form = forgot_page(mail_on=on, email=email)
    try:
        count_attempt(db, hub.settings, scope="forgot", key=address_of(request))
        count_attempt(db, hub.settings, scope="forgot-to", key=email.strip().lower())
        db.commit()
    except TooManyAttempts as exc:
        db.rollback()
        return _refused(request, form, exc)
    if on:
        found = signup.request_reset(db, email=email)
        db.commit()
        if found is not None and found[0].email:
            user, secret = found
            send_reset(hub.settings, hub.links, to=user.email or "", username=user.username,
                       secret=secret)  # fmt: skip
    return _show(request, done_page("Check your e-mail", FORGOT_ANSWER), 202)


@router.get("/password/reset")
def reset_form(request: Request, db: DbSession, token: str = "") -> Response:
    """The new-password form of an e-mailed link (refused at once when the link is dead)."""
    try:
        onetime.peek(db, purpose=onetime.RESET, secret=token[:128])
    except InvalidRequest as exc:
        return _refused(request, done_page("Reset your password", ""), exc)
    return _show(request, reset_page(token[:128]))


@router.post("/password/reset")
def reset_submit(
    request: Request,
    db: DbSession,
    token: _Short = "",
    password: Annotated[str, Form(max_length=1024)] = "",
    csrf: _Short = "",
) -> Response:
    """Save the new password; every session of the account ends."""
    _check_form(request, csrf)
    try:
        user = signup.reset_password(db, secret=token, password=password)
        db.commit()
    except InvalidRequest as exc:
        db.rollback()
        return _refused(request, reset_page(token), exc)
    message = f"The password of {user.username} is changed: log in with it."
    return _show(request, done_page("Password changed", message))
