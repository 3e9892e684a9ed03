"""The files origin (``MODELHUB_FILES_URL``): package files from an origin of their own.

One app answers both origins; requests are told apart by their ``Host`` header (the reverse
proxy must pass it on). On the files origin:

- only the package-file routes exist (GET and HEAD); anything else answers 404;
- the ``Cookie`` and ``Authorization`` headers are dropped before the app sees the request:
  published files are public, private ones open only through a signed link (``grants``);
- every answer carries the package headers (sandbox policy, nosniff, no framing) — but an
  application's page (``downloads.apps``), which carries its own: scripts in an opaque origin,
  framed by the hub's pages only.

On the hub's own origin the package-file routes answer with a redirect to the same address on
the files origin; for a version that is not published, the hub first checks that the viewer
may see it (404 otherwise, as without a files origin) and adds a grant for them.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING
from urllib.parse import urlencode, urlsplit

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse, Response
from starlette.concurrency import run_in_threadpool
from starlette.routing import BaseRoute, Match
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from modelhub.accounts import grants
from modelhub.accounts.deps import optional_user
from modelhub.catalog import service as catalog
from modelhub.catalog.models import VersionStatus
from modelhub.config import Settings
from modelhub.downloads.safety import APP_SANDBOX, PACKAGE_HEADERS
from modelhub.errors import ResourceNotFound

if TYPE_CHECKING:
    from modelhub.hub import Hub

_DROPPED = (b"cookie", b"authorization")
_SEALED = [(name.encode(), value.encode()) for name, value in PACKAGE_HEADERS.items()]
_SEALED_NAMES = {name for name, _ in _SEALED}


def _authority(netloc: str) -> str:
    netloc = netloc.strip().lower()
    for default in (":80", ":443"):
        if netloc.endswith(default):
            return netloc[: -len(default)]
    return netloc


def _requested_host(scope: Scope) -> str:
    for name, value in scope.get("headers", []):
        if name == b"host":
            return _authority(value.decode("latin-1"))
    return ""


class FilesOrigin:
    """Pure ASGI middleware guarding the files origin (see the module's docstring)."""

    def __init__(
        self,
        app: ASGIApp,
        *,
        settings: Settings,
        routes: Sequence[BaseRoute],
        framed: Sequence[BaseRoute] = (),
    ) -> None:
        self.app = app
        self.settings = settings
        self.routes = [*routes, *framed]
        self.framed = framed

    def _on_files_origin(self, scope: Scope) -> bool:
        files = self.settings.public_files_base
        if scope["type"] != "http" or files is None:
            return False
        return _requested_host(scope) == _authority(urlsplit(files).netloc)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if not self._on_files_origin(scope):
            await self.app(scope, receive, send)
            return
        headers = [(n, v) for n, v in scope.get("headers", []) if n.lower() not in _DROPPED]
        scope = {**scope, "headers": headers, grants.FILES_ORIGIN_KEY: True}
        matched = next((r for r in self.routes if r.matches(scope)[0] is Match.FULL), None)
        if matched is None:
            gone = ResourceNotFound("This address serves package files only.")
            await JSONResponse(gone.as_json(), 404, headers=PACKAGE_HEADERS)(scope, receive, send)
            return
        framed = matched in self.framed

        async def sealed(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = message.get("headers", [])
                if not (framed and _runs_framed(headers)):
                    kept = [(n, v) for n, v in headers if n not in _SEALED_NAMES]
                    message["headers"] = [*kept, *_SEALED]
            await send(message)

        await self.app(scope, receive, sealed)


def _runs_framed(headers: list[tuple[bytes, bytes]]) -> bool:
    """An application page's answer: its own sandbox policy (scripts, opaque origin) and no
    other; anything else a framed route answers (an error) gets the package headers."""
    policies = [v for n, v in headers if n == b"content-security-policy"]
    directives = [d.strip() for d in policies[0].split(b";")] if len(policies) == 1 else []
    sandboxes = [d for d in directives if d.startswith(b"sandbox")]
    return sandboxes == [APP_SANDBOX.encode()]


class FilesRedirect(Exception):
    """Raised by ``to_files_origin``; answered with a 307 to ``location``."""

    def __init__(self, location: str) -> None:
        super().__init__(location)
        self.location = location


async def to_files_origin(request: Request) -> None:
    """Dependency of the package-file routes: on the hub's origin, when a files origin is set,
    answer with a redirect there instead of the bytes."""
    hub: Hub = request.app.state.hub
    if hub.settings.public_files_base is None or request.scope.get(grants.FILES_ORIGIN_KEY):
        return
    raise FilesRedirect(await run_in_threadpool(_location, hub, request))


def _location(hub: Hub, request: Request) -> str:
    settings = hub.settings
    version_param = request.query_params.get("version", "")
    label = request.path_params.get("label") or version_param or None
    path: str = request.scope["path"]
    with hub.sessions() as db:
        user = optional_user(request, db)
        version = catalog.get_version(
            db, resource_id=request.path_params["resource_id"], label=label, viewer=user
        )
        private = version.status != VersionStatus.published
    query = [(k, v) for k, v in request.query_params.multi_items() if k != grants.GRANT_PARAM]
    if private and user is not None:
        grant = grants.issue(settings, user_id=user.id, path=path, version=version_param)
        query.append((grants.GRANT_PARAM, grant))
    raw_path = request.scope.get("raw_path") or path.encode()
    target = hub.links.on_files_origin(raw_path.decode("latin-1"))
    return f"{target}?{urlencode(query)}" if query else target


async def _redirect(_request: Request, exc: Exception) -> Response:
    if not isinstance(exc, FilesRedirect):
        raise exc
    # a grant is a credential of its own: no cache may keep the answer that carries one
    headers = {"location": exc.location, "cache-control": "no-store"}
    return Response(status_code=307, headers=headers)


def install(
    app: FastAPI,
    settings: Settings,
    routes: Sequence[BaseRoute],
    *,
    framed: Sequence[BaseRoute] = (),
) -> None:
    """Guard the files origin and answer ``FilesRedirect``; ``routes`` are the package-file
    routes (the only ones the files origin serves), ``framed`` the application pages, which
    keep their own sandbox policy. Inert while ``files_url`` is unset."""
    app.add_exception_handler(FilesRedirect, _redirect)
    app.add_middleware(
        FilesOrigin, settings=settings, routes=routes, framed=framed
    )  # fmt: skip
