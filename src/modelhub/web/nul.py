"""NUL characters ('\\0') in requests: refused with a 400 in the error shape, never a 500.

PostgreSQL cannot store a NUL in text, and refuses any query carrying one; SQLite can. So that
both engines answer the same, a NUL in the URL (path or query, also as ``%00``) is refused
before routing, and one that arrives in a body (JSON ``\\u0000``, a form field) is refused when
the database refuses it.
"""

from __future__ import annotations

from sqlalchemy.exc import DataError
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.types import ASGIApp, Receive, Scope, Send

from modelhub.errors import InvalidRequest
from modelhub.web import render

MESSAGE = "Text cannot contain NUL characters ('\\0', '%00' or '\\u0000'); please remove them."


def nul_refused() -> InvalidRequest:
    return InvalidRequest(MESSAGE, code="invalid_text")


class RefuseNulInUrl:
    """Answer 400 ``invalid_text`` to a request whose path or query holds a NUL."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http":
            query: bytes = scope.get("query_string", b"")
            if "\0" in scope["path"] or b"%00" in query or b"\0" in query:
                error = nul_refused()
                response = JSONResponse(error.as_json(), status_code=error.status_code)
                await response(scope, receive, send)
                return
        await self.app(scope, receive, send)


async def database_refused(request: Request, exc: Exception) -> Response:
    """The exception handler for ``DataError``: a NUL that reached PostgreSQL is the client's."""
    if isinstance(exc, DataError) and "NUL" in str(exc.orig):
        return render.error_response(request, nul_refused())
    raise exc
