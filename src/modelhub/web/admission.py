"""Overload answered early: a limit on the requests a web process works on at once, the size of
its thread pool, and 503 + Retry-After (code ``overloaded``) instead of a 500 after a long wait.

A request counts from its arrival until its answer starts. A body that streams afterwards (a
package zip, a large file) no longer counts: it holds neither a database connection nor a
thread between its chunks, and slow readers must not lock out everyone else."""

from __future__ import annotations

import json

import anyio.to_thread
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from modelhub.errors import Overloaded


def overload_headers(retry_after_s: int) -> dict[str, str]:
    return {"retry-after": str(retry_after_s), "cache-control": "no-store"}


def size_thread_pool(threads: int) -> None:
    """Blocking routes (every ``def`` route, their dependencies, streamed chunks) run in the
    event loop's default thread pool; the database pool is sized to match (``db_pool_size``).
    Call from inside the running loop (the app's lifespan)."""
    anyio.to_thread.current_default_thread_limiter().total_tokens = threads


class AdmissionLimit:
    """A pure ASGI middleware: beyond ``limit`` requests in flight, answer 503 at once rather
    than queue for threads and connections until clients give up."""

    def __init__(self, app: ASGIApp, *, limit: int, retry_after_s: int) -> None:
        self.app = app
        self.limit = limit
        self.in_flight = 0  # one event loop per process: no lock needed
        body = json.dumps(Overloaded().as_json()).encode()
        headers = {**overload_headers(retry_after_s), "content-type": "application/json"}
        self._start: Message = {
            "type": "http.response.start",
            "status": 503,
            "headers": [(k.encode(), v.encode()) for k, v in headers.items()]
            + [(b"content-length", str(len(body)).encode())],
        }
        self._body: Message = {"type": "http.response.body", "body": body}

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        if self.in_flight >= self.limit:
            await send(dict(self._start))
            await send(dict(self._body))
            return
        self.in_flight += 1
        counted = True

        async def answer_started(message: Message) -> None:
            nonlocal counted
            if counted and message["type"] == "http.response.start":
                counted = False
                self.in_flight -= 1
            await send(message)

        try:
            await self.app(scope, receive, answer_started)
        finally:
            if counted:
                self.in_flight -= 1
