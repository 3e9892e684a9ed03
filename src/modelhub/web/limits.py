"""A size limit on every request body except the upload routes, applied before any route (and
so before authentication) reads a byte: an anonymous client cannot make the hub hold a large
body in memory.

A declared ``Content-Length`` over the limit is answered 413 at once; a body without one
(chunked) is counted while the route reads it, and the read that passes the limit ends the
request with 413 — at most one more network chunk is ever held."""

from __future__ import annotations

import json
import re

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from modelhub.config import Settings

# Routes that stream package bytes to disk under their own, much larger limits
# (MODELHUB_MAX_UPLOAD_BYTES), after checking who sends them. The staged upload of
# bioimageio.spec also reads its JSON calls under its own limit, after checking the token.
STREAMING_UPLOADS: tuple[tuple[str, re.Pattern[str]], ...] = (
    ("POST", re.compile(r"/api/v1/uploads")),
    ("POST", re.compile(r"/upload")),
    ("POST", re.compile(r"/upload/fix")),
    # images to run a model on, under the prediction limits (MODELHUB_PREDICT_MAX_BYTES)
    ("POST", re.compile(r"/api/v1/resources/.+/predictions")),
    ("POST", re.compile(r"/resources/.+/predict")),
    ("PUT", re.compile(r"/public/services/artifact-manager/files/[^/]+")),
    ("POST", re.compile(r"/public/services/artifact-manager/(create|put_file|edit)")),
)


class BodyTooLarge(Exception):
    """Raised from ``receive`` when the body passes the limit; never leaves the middleware."""


def is_streaming_upload(method: str, path: str) -> bool:
    return any(method == m and pattern.fullmatch(path) for m, pattern in STREAMING_UPLOADS)


def _too_large_answer(limit: int) -> tuple[list[tuple[bytes, bytes]], bytes]:
    body = json.dumps(
        {
            "error": {
                "code": "body_too_large",
                "message": (
                    f"This request body is larger than the hub accepts here ({limit:,} bytes). "
                    "Packages go to the upload routes, which take large files."
                ),
                "details": [],
            }
        }
    ).encode()
    headers = [
        (b"content-type", b"application/json"),
        (b"content-length", str(len(body)).encode()),
    ]
    return headers, body


async def _refuse(send: Send, limit: int) -> None:
    headers, body = _too_large_answer(limit)
    await send({"type": "http.response.start", "status": 413, "headers": headers})
    await send({"type": "http.response.body", "body": body})


def _declared_length(scope: Scope) -> int | None:
    for name, value in scope.get("headers", []):
        if name == b"content-length":
            text = value.decode("latin-1").strip()
            return int(text) if text.isdigit() else None
    return None


class BodyLimit:
    """A pure ASGI middleware: bodies over ``settings.max_body_bytes`` are answered 413
    ``body_too_large``."""

    def __init__(self, app: ASGIApp, *, settings: Settings) -> None:
        self.app = app
        self.settings = settings  # read per request: MODELHUB_MAX_BODY_BYTES

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or is_streaming_upload(scope["method"], scope["path"]):
            await self.app(scope, receive, send)
            return
        limit = self.settings.max_body_bytes
        declared = _declared_length(scope)
        if declared is not None and declared > limit:
            await _refuse(send, limit)
            return
        seen = 0
        overflow = False
        started = False

        async def counted() -> Message:
            nonlocal seen, overflow
            message = await receive()
            if message["type"] == "http.request":
                seen += len(message.get("body", b""))
                if seen > limit:
                    overflow = True
                    raise BodyTooLarge
            return message

        async def guarded(message: Message) -> None:
            nonlocal started
            if overflow and not started:
                return  # the route's answer to the aborted read: replaced by the 413 below
            started = started or message["type"] == "http.response.start"
            await send(message)

        try:
            await self.app(scope, counted, guarded)
        except Exception:
            # the app may re-raise BodyTooLarge or wrap it (a form or JSON parsing error)
            if not overflow:
                raise
        if overflow and not started:
            await _refuse(send, limit)
