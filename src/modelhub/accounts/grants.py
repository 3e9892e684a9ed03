"""Short-lived signed links to private package files on the files origin.

The files origin (``MODELHUB_FILES_URL``) never honours the login cookie or an API token: it
only serves bytes, and whatever runs there must act as nobody. Drafts (and closed revisions)
are private to their maintainers and the reviewers, so the hub's own origin checks who is
asking and sends them on with a link naming that person, the exact path and an expiry, signed
with ``MODELHUB_FILES_SECRET``. The files origin serves the file as that person may see it,
their rights checked again, until the link expires; a leaked link opens that one file only.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import time

from fastapi import Request
from sqlalchemy.orm import Session

from modelhub.accounts.models import User
from modelhub.config import Settings
from modelhub.errors import NotAuthenticated

GRANT_PARAM = "grant"
# set on the ASGI scope of requests that came to the files origin (see ``origin``)
FILES_ORIGIN_KEY = "modelhub.files_origin"
_PURPOSE = b"modelhub package file grant v1\0"


def _signature(secret: str, *, user_id: int, expires: int, path: str, version: str) -> str:
    message = _PURPOSE + f"{user_id}\n{expires}\n{path}\n{version}".encode()
    mac = hmac.new(secret.encode(), message, hashlib.sha256).digest()
    return base64.urlsafe_b64encode(mac).rstrip(b"=").decode()


def _secret(settings: Settings) -> str:
    if settings.files_secret is None:  # the settings refuse a files origin without one
        raise RuntimeError("files_secret is not set")
    return settings.files_secret.get_secret_value()


def issue(
    settings: Settings, *, user_id: int, path: str, version: str, now: float | None = None
) -> str:
    """A grant for ``path`` (with its ``?version=``, '' when none) to the user ``user_id``."""
    expires = int(time.time() if now is None else now) + settings.files_link_seconds
    secret = _secret(settings)
    sig = _signature(secret, user_id=user_id, expires=expires, path=path, version=version)
    return f"{user_id}.{expires}.{sig}"


def verify(
    settings: Settings, grant: str, *, path: str, version: str, now: float | None = None
) -> int | None:
    """The user id a valid, unexpired grant for this path names; None otherwise."""
    user_part, _, rest = grant.partition(".")
    expires_part, _, given = rest.partition(".")
    if not (user_part.isdigit() and expires_part.isdigit() and given):
        return None
    user_id, expires = int(user_part), int(expires_part)
    if expires < (time.time() if now is None else now):
        return None
    expected = _signature(
        _secret(settings), user_id=user_id, expires=expires, path=path, version=version
    )
    return user_id if hmac.compare_digest(expected, given) else None


def grant_user(request: Request, db: Session, settings: Settings) -> User | None:
    """Who a request to the files origin acts as: the user its grant names, or nobody."""
    grant = request.query_params.get(GRANT_PARAM)
    if grant is None:
        return None
    version = request.query_params.get("version", "")
    user_id = verify(settings, grant, path=request.scope["path"], version=version)
    if user_id is None:
        raise NotAuthenticated(
            "This link to a private file has expired or was changed. Open the file again from"
            " the hub's page."
        )
    user = db.get(User, user_id)
    return user if user is not None and user.is_active else None
