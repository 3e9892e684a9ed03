"""An application's web page, served to run in a sandboxed frame (``catalog.applications``).

``/artifacts/{app id}/{vN}/app/{entry}`` answers the entry HTML of a published application
version as ``text/html`` — the one kind of package bytes the hub lets run, and only like this:

- ``Content-Security-Policy: sandbox allow-scripts`` (never ``allow-same-origin``): the page
  runs in an opaque origin of its own, wherever it is served from, so it can read no cookie,
  storage or page of the hub; it cannot submit forms, open pop-ups or navigate the hub's page;
- ``frame-ancestors``: only the hub's pages may frame it;
- with a files origin (``MODELHUB_FILES_URL``) it is served there only (the hub's origin
  redirects), like every package file.

Other files of the application's package, named relative to the page (``cover.png``), redirect
to their ordinary download address, served as every package file is (inert, or a download).
"""

from __future__ import annotations

import re
from urllib.parse import urlsplit

from fastapi import APIRouter, Depends, Request
from fastapi.responses import RedirectResponse, Response

import modelhub.web.ids  # noqa: F401  (registers the {resource_id:rid} path convertor)
from modelhub.catalog.applications import NoApplication, published_application
from modelhub.config import Settings
from modelhub.deps import DbSession, HubDep
from modelhub.downloads.origin import to_files_origin
from modelhub.downloads.responses import not_modified
from modelhub.downloads.safety import APP_SANDBOX
from modelhub.errors import ResourceNotFound
from modelhub.links import Links

router = APIRouter(tags=["downloads"], dependencies=[Depends(to_files_origin)])

_PUBLISHED = re.compile(r"v(\d{1,9})")
HTML = "text/html; charset=utf-8"


def _origin(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}"


def app_policy(settings: Settings) -> str:
    """The page's policy: scripts in an opaque origin, framed by the hub's pages only."""
    ancestors = _origin(settings.public_base)
    if settings.public_files_base is None:
        ancestors = f"'self' {ancestors}"
    return f"{APP_SANDBOX}; frame-ancestors {ancestors}"


def app_headers(settings: Settings) -> dict[str, str]:
    return {"content-security-policy": app_policy(settings), "x-content-type-options": "nosniff"}


@router.get("/artifacts/{resource_id:rid}/{label}/app/{path:path}")
def app_page(
    request: Request, hub: HubDep, db: DbSession, resource_id: str, label: str, path: str
) -> Response:
    """The entry page of a published application version, to run in a sandboxed frame."""
    match = _PUBLISHED.fullmatch(label)
    app = (
        published_application(db, app_id=resource_id, number=int(match.group(1))) if match else None
    )
    if app is None:
        raise NoApplication(resource_id)
    if path != app.entry:
        if any(f.path == path for f in app.version.files):
            # a file beside the page: its ordinary address, on this same origin
            return RedirectResponse(Links.file_path(resource_id, label, path), 307)
        raise ResourceNotFound(f"Application '{resource_id}' {label} has no file '{path}'.")
    entry = next(f for f in app.version.files if f.path == path)
    etag = f'"{entry.blob_sha256}"'
    headers = {
        "etag": etag,
        "cache-control": "public, max-age=31536000, immutable",
        **app_headers(hub.settings),
    }
    if not_modified(request, etag):
        return Response(status_code=304, headers=headers)
    with hub.storage.open(entry.blob_sha256) as stream:
        body = stream.read()
    return Response(body, media_type=HTML, headers=headers)
