"""Security headers on every answer: pages load nothing from outside the hub (but images from
its files origin, when it has one), and no other site may frame them."""

from __future__ import annotations

from functools import lru_cache

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from modelhub.config import Settings


def content_security_policy(files_origin: str | None = None, *, frames: bool = False) -> str:
    """'self' only: no page needs a script, style, font or image from elsewhere; images may
    also be data: URLs (small previews), blob: URLs (the upload wizard's local previews) and
    package files on the files origin (covers, documentation images). ``frames``: the page
    frames an application's page (``pages.open_app``), from the files origin when set."""
    images = "'self' data: blob:" + (f" {files_origin}" if files_origin else "")
    framed = files_origin or "'self'"
    framing = f"frame-src {framed}; " if frames else ""
    return (
        f"default-src 'self'; img-src {images}; style-src 'self'; script-src 'self'; {framing}"
        "object-src 'none'; base-uri 'self'; form-action 'self'; frame-ancestors 'none'"
    )


CONTENT_SECURITY_POLICY = content_security_policy()


@lru_cache(maxsize=4)
def _headers(files_origin: str | None) -> list[tuple[bytes, bytes]]:
    return [
        (b"content-security-policy", content_security_policy(files_origin).encode()),
        (b"x-content-type-options", b"nosniff"),
        (b"referrer-policy", b"same-origin"),
    ]


class SecurityHeaders:
    """A pure ASGI middleware (streamed downloads pass through untouched apart from headers).
    An answer that sets its own policy keeps it (package files set a stricter one)."""

    def __init__(self, app: ASGIApp, settings: Settings | None = None) -> None:
        self.app = app
        self.settings = settings

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        headers = _headers(self.settings.public_files_base if self.settings else None)

        async def with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                present = {name.lower() for name, _ in message.get("headers", [])}
                extra = [(n, v) for n, v in headers if n not in present]
                message["headers"] = [*message.get("headers", []), *extra]
            await send(message)

        await self.app(scope, receive, with_headers)
