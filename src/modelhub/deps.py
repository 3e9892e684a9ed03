"""Typed dependencies shared by every router: the hub, a DB session, the current user."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Annotated

from fastapi import Depends, Request
from sqlalchemy.orm import Session

from modelhub.accounts import service as accounts
from modelhub.accounts.models import Role, User
from modelhub.downloads import grants
from modelhub.errors import Forbidden, NotAuthenticated
from modelhub.hub import Hub

SESSION_COOKIE = "modelhub_session"


def get_hub(request: Request) -> Hub:
    hub: Hub = request.app.state.hub
    return hub


HubDep = Annotated[Hub, Depends(get_hub)]


def get_db(hub: HubDep) -> Iterator[Session]:
    """A session per request. Routes that change data commit explicitly before answering;
    anything else is rolled back.

    The session ends when the route function returns, BEFORE the response is sent (scope
    "function" below): a streamed body (a package zip, a large file) or a slow reader never
    holds a pooled connection. Routes therefore hand their response plain values, never ORM
    objects that would load more later."""
    db = hub.sessions()
    try:
        yield db
    finally:
        db.rollback()
        db.close()


DbSession = Annotated[Session, Depends(get_db, scope="function")]


def _bearer(request: Request) -> str | None:
    header = request.headers.get("authorization")
    if not header:
        return None
    scheme, _, value = header.partition(" ")
    if scheme.lower() not in ("bearer", "token") or not value.strip():
        raise NotAuthenticated("The Authorization header must be 'Bearer <your API token>'.")
    return value.strip()


def optional_user(request: Request, db: DbSession) -> User | None:
    """The user of the API token (Authorization header) or of the login cookie, or None.
    A token that is sent but unknown or revoked is an error, never silently anonymous."""
    if request.scope.get(grants.FILES_ORIGIN_KEY):
        # the files origin honours no cookie and no token: only a signed link to one file
        return grants.grant_user(request, db, get_hub(request).settings)
    token = _bearer(request)
    if token is not None:
        user = accounts.user_for_token(db, secret=token)
        if user is None:
            raise NotAuthenticated("This API token is unknown or was revoked.")
        db.commit()  # last_used_at
        return user
    cookie = request.cookies.get(SESSION_COOKIE)
    if cookie:
        user = accounts.user_for_session(db, session_id=cookie)
        # give the connection back (the user stays loaded): async routes go on to wait for
        # request bodies that may take minutes to arrive
        db.commit()
        return user
    return None


def required_user(user: Annotated[User | None, Depends(optional_user)]) -> User:
    if user is None:
        raise NotAuthenticated()
    return user


def admin_user(user: Annotated[User, Depends(required_user)]) -> User:
    if not user.role.at_least(Role.admin):
        raise Forbidden("Only an admin can do this.")
    return user


OptionalUser = Annotated[User | None, Depends(optional_user)]
CurrentUser = Annotated[User, Depends(required_user)]
AdminUser = Annotated[User, Depends(admin_user)]
