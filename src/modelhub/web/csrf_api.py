"""Proof of origin for ``/api/v1`` calls that change something with the login cookie.

A browser sends the login cookie with requests that another site triggers; an API token it
never sends by itself. So a state-changing API call authenticated by the cookie alone must show
that it comes from the hub's own pages: the page's CSRF token in ``X-CSRF-Token`` (the value of
the ``modelhub_csrf`` cookie, which the pages carry as ``csrf``), or an ``Origin`` header naming
the hub. Calls with an ``Authorization`` header (tokens), without the login cookie, or that only
read are not concerned."""

from __future__ import annotations

import json
import secrets

from starlette.datastructures import Headers
from starlette.requests import cookie_parser
from starlette.types import ASGIApp, Receive, Scope, Send

from modelhub.config import Settings
from modelhub.web.cookies import CSRF_COOKIE, SESSION_COOKIE

CSRF_HEADER = "x-csrf-token"
_CHANGES = frozenset({"POST", "PUT", "PATCH", "DELETE"})
_REFUSAL = json.dumps(
    {
        "error": {
            "code": "csrf_failed",
            "message": (
                "This call uses your login cookie but does not show that it comes from the "
                "hub's own pages: send the page's CSRF token as 'X-CSRF-Token', or use an API "
                "token ('Authorization: Bearer <token>')."
            ),
            "details": [],
        }
    }
).encode()


def _origin_of(url: str) -> str:
    scheme, _, rest = url.partition("://")
    return f"{scheme.lower()}://{rest.split('/', 1)[0].lower()}"


class CookieApiGuard:
    """A pure ASGI middleware: refuses 403 ``csrf_failed`` as described above."""

    def __init__(self, app: ASGIApp, *, settings: Settings) -> None:
        self.app = app
        self.settings = settings

    def _same_origin(self, scope: Scope, headers: Headers) -> bool:
        origin = headers.get("origin", "").strip().lower()
        if not origin or origin == "null":
            return False
        # the hub's configured address, or the address this request was sent to (a browser
        # on another site can set neither Origin nor Host to ours)
        own = {_origin_of(self.settings.public_base)}
        host = headers.get("host")
        if host:
            own.add(f"{scope.get('scheme', 'http')}://{host.lower()}")
        return origin in own

    def allowed(self, scope: Scope) -> bool:
        """Whether this request may go on (pure: reads headers only)."""
        if scope["method"] not in _CHANGES or not scope["path"].startswith("/api/v1/"):
            return True
        # read exactly as the routes read them (the first header of a name; starlette's parser)
        headers = Headers(scope=scope)
        if headers.get("authorization"):
            return True  # a token call: the route authenticates the token, never the cookie
        cookies = cookie_parser(headers.get("cookie", ""))
        if not cookies.get(SESSION_COOKIE):
            return True  # anonymous: nothing to forge (the route answers 401 if it needs a user)
        expected = cookies.get(CSRF_COOKIE)
        sent = headers.get(CSRF_HEADER)
        if expected and sent and secrets.compare_digest(expected.encode(), sent.encode()):
            return True
        return self._same_origin(scope, headers)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or self.allowed(scope):
            await self.app(scope, receive, send)
            return
        headers = [
            (b"content-type", b"application/json"),
            (b"content-length", str(len(_REFUSAL)).encode()),
        ]
        await send({"type": "http.response.start", "status": 403, "headers": headers})
        await send({"type": "http.response.body", "body": _REFUSAL})
