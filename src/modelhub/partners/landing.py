"""A partner's landing addresses besides its page: the stable link to its items (the catalog
filtered to them) and the images of its appearance, served by the hub.

The images came from the partner's server, so they are served under the rules of package
bytes (``downloads.safety``): PNG, JPEG, GIF and WebP inline, everything with
``Content-Security-Policy: sandbox``, ``nosniff`` and no framing. An SVG may hold a script: it
keeps its type for the hub's ``<img>`` tags (an image never runs script) but its own address
is a download (``attachment``), never a document on the hub's origin."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse, Response, StreamingResponse
from starlette.responses import FileResponse

from modelhub.deps import DbSession, HubDep
from modelhub.downloads.safety import PACKAGE_HEADERS, content_disposition, presentation
from modelhub.errors import HubError
from modelhub.links import Links
from modelhub.partners import looks, registry
from modelhub.partners.appearance import ALL_TYPES
from modelhub.partners.models import PartnerImage

router = APIRouter(include_in_schema=False)
_SUFFIX = {
    "image/png": ".png",
    "image/jpeg": ".jpg",
    "image/gif": ".gif",
    "image/webp": ".webp",
    "image/svg+xml": ".svg",
}


@router.get("/partners/{partner_id}/explore")
def explore(partner_id: str, db: DbSession) -> Response:
    """The partner's items: the catalog filtered to the partner, on its default type (a
    temporary redirect: the partner may change its settings at its next sync)."""
    partner = registry.get_partner(db, partner_id=partner_id)
    look = looks.look_of(partner, {})
    wanted = [("partner", partner.id)]
    if look.default_type != ALL_TYPES:
        wanted.append(("type", look.default_type))
    return RedirectResponse(Links.catalog_path(wanted), status_code=302)


@router.api_route("/partners/{partner_id}/images/{field}", methods=["GET", "HEAD"])
def image(
    request: Request, partner_id: str, field: str, hub: HubDep, db: DbSession, v: str = ""
) -> Response:
    """A logo, icon or background image of the partner, as the hub stored it. With ``v`` (the
    start of its sha256, as pages link it) it is cached for good."""
    row = db.get(PartnerImage, (partner_id, field))
    if row is None:
        raise HubError(
            message=f"The partner '{partner_id}' has no stored {field}.",
            status_code=404,
            code="partner_image_not_found",
        )
    etag = f'"{row.blob_sha256}"'
    current = len(v) >= looks.VERSION_CHARS and row.blob_sha256.startswith(v)
    headers = {
        "etag": etag,
        "cache-control": "public, max-age=31536000, immutable" if current else "no-cache",
        **PACKAGE_HEADERS,
    }
    if etag in [t.strip() for t in request.headers.get("if-none-match", "").split(",")]:
        return Response(status_code=304, headers=headers)
    media_type, disposition = presentation(row.media_type)
    name = f"{partner_id}-{field}{_SUFFIX.get(row.media_type, '')}"
    headers["content-disposition"] = content_disposition(disposition, name)
    local = hub.storage.local_path(row.blob_sha256)
    if request.method == "HEAD":
        headers["content-length"] = str(row.size)
        return Response(media_type=media_type, headers=headers)
    if local is not None:
        return FileResponse(local, media_type=media_type, headers=headers)
    return StreamingResponse(
        hub.storage.iter_bytes(row.blob_sha256), media_type=media_type, headers=headers
    )
