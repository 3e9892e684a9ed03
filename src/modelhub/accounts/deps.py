"""Typed dependencies for who is asking: ``OptionalUser``, ``CurrentUser``, ``AdminUser``."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request

from modelhub.accounts import grants
from modelhub.accounts import service as accounts
from modelhub.accounts.models import Role, User
from modelhub.deps import DbSession, get_hub
from modelhub.errors import Forbidden, NotAuthenticated
from modelhub.web.cookies import SESSION_COOKIE


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
