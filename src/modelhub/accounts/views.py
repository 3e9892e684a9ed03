"""The data of the account and user-admin pages (the pages and their JSON twins share it)."""

from __future__ import annotations

from fastapi import Request
from fastapi.responses import RedirectResponse
from pydantic import BaseModel
from sqlalchemy.orm import Session

from modelhub.accounts import service
from modelhub.accounts.models import Role, User
from modelhub.accounts.schemas import TokenCreated, TokenRead, UserAdminRead
from modelhub.errors import NotAuthenticated
from modelhub.links import Links
from modelhub.web import render


def login_redirect(request: Request, back: str | None = None) -> RedirectResponse:
    """Send an anonymous visitor to the login form, coming back here (or to ``back``, the page
    of a form) afterwards. A tool asking for the JSON twin gets the API's 401 instead."""
    if render.wants_json(request):
        raise NotAuthenticated()
    here = back or request.url.path + (f"?{request.url.query}" if request.url.query else "")
    return RedirectResponse(Links.login_path(here), 303)


class UsageHint(BaseModel):
    """How to use a token with the API and the command-line client."""

    header: str
    curl: str
    cli: str


class AccountPage(BaseModel):
    username: str
    role: Role
    email: str | None
    tokens: list[TokenRead]
    # only on the answer to the form that made it: the one time the secret is shown
    created: TokenCreated | None = None
    usage: UsageHint
    token_name: str = ""
    notice: str | None = None
    error: str | None = None
    # the profile (accounts/profile_pages.py)
    display_name: str | None = None
    affiliation: str | None = None
    orcid: str | None = None
    github: str | None = None
    email_confirmed: bool = True
    profile_error: str | None = None


def usage_hint(links: Links, secret: str | None) -> UsageHint:
    token = secret or "<your token>"
    return UsageHint(
        header=f"Authorization: Bearer {token}",
        curl=f'curl -H "Authorization: Bearer {token}" {links.api("me")}',
        cli=f"MODELHUB_URL={links.base} MODELHUB_TOKEN={token} modelhub upload my-model/",
    )


def account_page(
    db: Session,
    *,
    user: User,
    links: Links,
    created: TokenCreated | None = None,
    token_name: str = "",
    notice: str | None = None,
    error: str | None = None,
) -> AccountPage:
    """The signed-in user's account: who they are and their tokens (never their secrets)."""
    tokens = [TokenRead.model_validate(t) for t in service.list_tokens(db, user=user)]
    return AccountPage(
        username=user.username,
        role=user.role,
        email=user.email,
        tokens=tokens,
        created=created,
        usage=usage_hint(links, created.token if created else None),
        token_name=token_name,
        notice=notice,
        error=error,
        display_name=user.display_name,
        affiliation=user.affiliation,
        orcid=user.orcid,
        github=user.github,
        email_confirmed=user.email_confirmed,
    )


class UserRow(UserAdminRead):
    is_you: bool


class AdminUsersPage(BaseModel):
    users: list[UserRow]
    roles: list[Role]
    notice: str | None = None
    error: str | None = None
    error_user: str | None = None
    # the "Add a user" form sent back with its problem (never the password)
    create_error: str | None = None
    draft_username: str = ""
    draft_email: str = ""
    signup_policy: str = "admin-only"
    invitation_link: str | None = None  # shown once, on the answer that made it


def admin_users_page(
    db: Session,
    *,
    admin: User,
    notice: str | None = None,
    error: str | None = None,
    error_user: str | None = None,
) -> AdminUsersPage:
    """Every account with its role and active flag, for an admin."""
    rows = [
        UserRow(**UserAdminRead.model_validate(u).model_dump(), is_you=u.id == admin.id)
        for u in service.list_users(db)
    ]
    return AdminUsersPage(
        users=rows, roles=list(Role), notice=notice, error=error, error_user=error_user
    )
