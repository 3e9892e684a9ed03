"""JSON routes of self sign-up, invitations, address confirmation and password reset."""

from __future__ import annotations

from typing import Literal

from fastapi import APIRouter, Request
from pydantic import BaseModel, Field

from modelhub.accounts import signup
from modelhub.accounts.deps import AdminUser, CurrentUser
from modelhub.accounts.mail import mail_on
from modelhub.accounts.schemas import UserRead
from modelhub.accounts.signup_flow import (
    address_of,
    count_attempt,
    send_confirmation,
    send_reset,
)
from modelhub.deps import DbSession, HubDep

router = APIRouter(prefix="/api/v1", tags=["accounts"])

FORGOT_ANSWER = (
    "If an account has this address, a link to reset its password is on its way; it works "
    "for an hour."
)


class SignUp(BaseModel):
    username: str = Field(max_length=64)
    password: str = Field(max_length=1024)
    email: str | None = Field(default=None, max_length=320)
    invitation: str | None = Field(default=None, max_length=128)


class SignedUp(UserRead):
    email: str | None
    email_confirmed: bool
    confirmation_sent: bool = Field(description="A confirmation link was e-mailed")


class SignupPolicy(BaseModel):
    policy: Literal["open", "invitation", "admin-only"]
    email_confirmation: bool = Field(default=False, description="New addresses are confirmed")


class Invitation(BaseModel):
    invitation: str = Field(description="The single-use code (shown once)")
    link: str
    expires_at: str


class Forgot(BaseModel):
    email: str = Field(max_length=320)


class Reset(BaseModel):
    token: str = Field(max_length=128)
    password: str = Field(max_length=1024)


class Confirm(BaseModel):
    token: str = Field(max_length=128)


class Done(BaseModel):
    message: str


@router.get("/signup")
def signup_policy(hub: HubDep, db: DbSession) -> SignupPolicy:
    """Who may sign up here, and whether new addresses are confirmed by e-mail."""
    rule = signup.policy(db, hub.settings)
    return SignupPolicy(policy=rule, email_confirmation=mail_on(hub.settings))


@router.post("/signup", status_code=201)
def sign_up(request: Request, hub: HubDep, db: DbSession, body: SignUp) -> SignedUp:
    """Create your own (member) account when the hub's policy allows it: 403 ``signup_closed``
    (admin-only), 403 ``invitation_required``, 400 ``invalid_invite``, ``weak_password``,
    ``invalid_username``, ``invalid_email``, ``email_required`` (e-mail on), 409
    ``username_taken`` / ``email_taken``, 429 ``too_many_attempts``. With e-mail on, a link to
    confirm the address is sent; until it is followed the account uploads nothing."""
    count_attempt(db, hub.settings, scope="signup", key=address_of(request))
    db.commit()
    on = mail_on(hub.settings)
    user, secret = signup.sign_up(
        db, hub.settings, username=body.username, password=body.password,
        email=body.email, invitation=body.invitation, mail_on=on,
    )  # fmt: skip
    db.commit()
    sent = bool(secret and user.email) and send_confirmation(
        hub.settings, hub.links, to=user.email or "", secret=secret or ""
    )
    return SignedUp(**UserRead.model_validate(user).model_dump(), email=user.email,
                    email_confirmed=user.email_confirmed, confirmation_sent=sent)  # fmt: skip


@router.put("/signup")
def set_signup_policy(
    admin: AdminUser, hub: HubDep, db: DbSession, body: SignupPolicy
) -> SignupPolicy:
    """Set who may sign up (admins); kept in the database, so every process applies it."""
    rule = signup.set_policy(db, value=body.policy)
    db.commit()
    return SignupPolicy(policy=rule, email_confirmation=mail_on(hub.settings))


@router.post("/invitations", status_code=201)
def invite(user: CurrentUser, hub: HubDep, db: DbSession) -> Invitation:
    """A single-use invitation to sign up (reviewers and admins); valid
    ``MODELHUB_INVITATION_DAYS``. The code is shown only here."""
    secret, expires = signup.create_invitation(db, actor=user, settings=hub.settings)
    db.commit()
    link = hub.links.absolute(f"/signup?invitation={secret}")
    return Invitation(invitation=secret, link=link, expires_at=expires)


@router.post("/signup/confirm")
def confirm(db: DbSession, body: Confirm) -> Done:
    """Confirm an address with the token of the e-mailed link: 400 ``invalid_confirm``."""
    user = signup.confirm(db, secret=body.token)
    db.commit()
    return Done(message=f"The address {user.email} is confirmed.")


@router.post("/password/forgot", status_code=202)
def forgot(request: Request, hub: HubDep, db: DbSession, body: Forgot) -> Done:
    """E-mail a password reset link; answers the same whether or not an account has the
    address (429 ``too_many_attempts`` when asked too often)."""
    count_attempt(db, hub.settings, scope="forgot", key=address_of(request))
    count_attempt(db, hub.settings, scope="forgot-to", key=body.email.strip().lower())
    db.commit()
    if mail_on(hub.settings):
        found = signup.request_reset(db, email=body.email)
        db.commit()
        if found is not None and found[0].email:
            user, secret = found
            send_reset(hub.settings, hub.links, to=user.email or "", username=user.username,
                       secret=secret)  # fmt: skip
    return Done(message=FORGOT_ANSWER)


@router.post("/password/reset")
def reset(db: DbSession, body: Reset) -> Done:
    """Set a new password with the token of the e-mailed link; every session of the account
    ends. 400 ``invalid_reset`` (unknown, expired or used), ``weak_password``."""
    user = signup.reset_password(db, secret=body.token, password=body.password)
    db.commit()
    return Done(message=f"The password of {user.username} is changed; log in with it.")
