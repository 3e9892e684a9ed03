"""The access log: one line per request on the ``modelhub.access`` logger — client address,
method, path, status, duration — and nothing secret: headers are never logged (no cookies, no
Authorization), and the values of query parameters that carry credentials are redacted
(``?token=abc`` → ``token=[redacted]``; the staged upload's signed URLs carry ``signature``)."""

from __future__ import annotations

import logging
import time
from urllib.parse import parse_qsl, urlencode

from starlette.types import ASGIApp, Message, Receive, Scope, Send

logger = logging.getLogger("modelhub.access")

SECRET_PARAMS = frozenset(
    {"token", "access_token", "api_key", "apikey", "key", "signature", "password", "secret",
     "session", "csrf", "code"}
)  # fmt: skip
REDACTED = "[redacted]"


def redacted_query(query: str) -> str:
    """The query string with the values of credential-like parameters replaced."""
    if not query:
        return ""
    pairs = parse_qsl(query, keep_blank_values=True)
    cleaned = [(k, REDACTED if k.lower() in SECRET_PARAMS else v) for k, v in pairs]
    return urlencode(cleaned, safe="[]/:,")


def _printable(text: str) -> str:
    # a path is the client's text: no line breaks or control characters in the log
    return "".join(c if c.isprintable() else f"\\x{ord(c):02x}" for c in text)


class AccessLog:
    """A pure ASGI middleware writing the access log described above."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        status = 500  # what the client gets if the app fails before answering
        logged = False

        def write() -> None:
            nonlocal logged
            logged = True
            client = scope.get("client")
            query = redacted_query(scope.get("query_string", b"").decode("latin-1"))
            target = _printable(scope["path"] + (f"?{query}" if query else ""))
            logger.info(
                "%s %s %s %d %.1fms",
                client[0] if client else "-",
                scope["method"],
                target,
                status,
                (time.perf_counter() - started) * 1000,
            )

        async def noting(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
            await send(message)
            # the line is written when the answer is complete (the app may still clean up)
            if message["type"] == "http.response.body" and not message.get("more_body"):
                write()

        try:
            await self.app(scope, receive, noting)
        finally:
            if not logged:
                write()
