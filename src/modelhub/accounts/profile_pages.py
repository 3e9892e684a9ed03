"""Forms of the account page's profile (fields, e-mail, password, a new confirmation link)
and the admins' sign-up settings (policy, invitations) on the users page."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import RedirectResponse, Response

from modelhub.accounts import profile, signup, views
from modelhub.accounts.deps import OptionalUser
from modelhub.accounts.mail import mail_on
from modelhub.accounts.models import Role, User
from modelhub.accounts.signup_flow import send_confirmation
from modelhub.deps import DbSession, HubDep
from modelhub.errors import Conflict, Forbidden, InvalidRequest
from modelhub.links import Links
from modelhub.web import render
from modelhub.web.cookies import SESSION_COOKIE

router = APIRouter(include_in_schema=False)
_Short = Annotated[str, Form(max_length=128)]
_Field = Annotated[str, Form(max_length=200)]


def _signed_in(request: Request, user: User | None, csrf: str) -> User | Response:
    if not render.csrf_ok(request, csrf):
        raise Forbidden("The form expired. Please reload the page and try again.")
    if user is None:
        return views.login_redirect(request, Links.account_path())
    return user


def _again(
    request: Request, hub: HubDep, db: DbSession, user: User, exc: InvalidRequest | Conflict
) -> Response:
    db.rollback()
    data = views.account_page(db, user=user, links=hub.links)
    data.profile_error = exc.message
    return render.page(
        request, "account.html", data, status_code=exc.status_code, extra={"user": user}
    )


@router.post("/account/profile")
def save_profile(
    request: Request,
    hub: HubDep,
    db: DbSession,
    user: OptionalUser,
    display_name: _Field = "",
    affiliation: _Field = "",
    orcid: _Field = "",
    github: _Field = "",
    email: Annotated[str, Form(max_length=320)] = "",
    csrf: _Short = "",
) -> Response:
    """Save the profile; a new e-mail address is confirmed first when the hub sends e-mail."""
    who = _signed_in(request, user, csrf)
    if isinstance(who, Response):
        return who
    on = mail_on(hub.settings)
    try:
        profile.update_profile(db, user=who, display_name=display_name, affiliation=affiliation,
                               orcid=orcid, github=github)  # fmt: skip
        secret = profile.change_email(db, user=who, email=email, mail_on=on) if email else None
        db.commit()
    except (InvalidRequest, Conflict) as exc:
        return _again(request, hub, db, who, exc)
    if secret:
        send_confirmation(hub.settings, hub.links, to=email.strip(), secret=secret)
    return RedirectResponse(Links.account_path(done="confirm" if secret else "profile"), 303)


@router.post("/account/password")
def change_password(
    request: Request,
    hub: HubDep,
    db: DbSession,
    user: OptionalUser,
    current_password: Annotated[str, Form(max_length=1024)] = "",
    new_password: Annotated[str, Form(max_length=1024)] = "",
    csrf: _Short = "",
) -> Response:
    """Change the password (the current one is needed); other logins end."""
    who = _signed_in(request, user, csrf)
    if isinstance(who, Response):
        return who
    try:
        profile.change_password(db, user=who, current=current_password, new=new_password,
                                session_id=request.cookies.get(SESSION_COOKIE))  # fmt: skip
        db.commit()
    except InvalidRequest as exc:
        return _again(request, hub, db, who, exc)
    return RedirectResponse(Links.account_path(done="password"), 303)


@router.post("/account/confirm")
def resend_confirmation(
    request: Request, hub: HubDep, db: DbSession, user: OptionalUser, csrf: _Short = ""
) -> Response:
    """A new link to confirm the account's address (earlier links stop working)."""
    who = _signed_in(request, user, csrf)
    if isinstance(who, Response):
        return who
    if not (mail_on(hub.settings) and who.email and not who.email_confirmed):
        return RedirectResponse(Links.account_path(), 303)
    secret = signup.request_confirmation(db, user=who, email=who.email)
    db.commit()
    send_confirmation(hub.settings, hub.links, to=who.email, secret=secret)
    return RedirectResponse(Links.account_path(done="confirm"), 303)


def _admin(request: Request, user: User | None, csrf: str) -> User | Response:
    who = _signed_in(request, user, csrf)
    if isinstance(who, User) and not who.role.at_least(Role.admin):
        raise Forbidden("Only an admin can manage users.")
    return who


@router.post("/admin/signup")
def set_policy(
    request: Request,
    db: DbSession,
    user: OptionalUser,
    policy: Annotated[str, Form(max_length=32)] = "",
    csrf: _Short = "",
) -> Response:
    """Who may sign up: open, invitation or admin-only (admins)."""
    who = _admin(request, user, csrf)
    if isinstance(who, Response):
        return who
    signup.set_policy(db, value=policy)
    db.commit()
    return RedirectResponse(Links.admin_users_path(done="saved", who="sign-up"), 303)


@router.post("/admin/invitations")
def invite(
    request: Request, hub: HubDep, db: DbSession, user: OptionalUser, csrf: _Short = ""
) -> Response:
    """A single-use invitation link, shown once (admins)."""
    who = _admin(request, user, csrf)
    if isinstance(who, Response):
        return who
    secret, _ = signup.create_invitation(db, actor=who, settings=hub.settings)
    db.commit()
    data = views.admin_users_page(db, admin=who)
    data.signup_policy = signup.policy(db, hub.settings)
    data.invitation_link = hub.links.absolute(f"/signup?invitation={secret}")
    response = render.page(request, "admin_users.html", data, status_code=201, extra={"user": who})
    response.headers["cache-control"] = "no-store"
    return response
