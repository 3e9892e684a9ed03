"""The pictures of a model card (``/resources/{id}/versions/{v}/samples/{name}.png``): a test or
sample tensor of a version as a PNG, made on first request (``catalog.card_samples``).

Always ``image/png`` with the headers of package bytes (nothing runs, nothing is sniffed);
a tensor without a picture answers 404 with the usual JSON error, never a page."""

from __future__ import annotations

from fastapi import APIRouter
from fastapi.responses import JSONResponse, Response

import modelhub.web.ids  # noqa: F401  (registers the {resource_id:rid} path convertor)
from modelhub.accounts.deps import OptionalUser
from modelhub.catalog import service
from modelhub.catalog.card_samples import sample_png
from modelhub.catalog.models import VersionStatus
from modelhub.deps import DbSession, HubDep
from modelhub.downloads.safety import PACKAGE_HEADERS
from modelhub.errors import HubError, ResourceNotFound

router = APIRouter(include_in_schema=False)


@router.get("/resources/{resource_id:rid}/versions/{label}/samples/{name}.png")
def sample_picture(
    resource_id: str,
    label: str,
    name: str,
    hub: HubDep,
    db: DbSession,
    user: OptionalUser,
) -> Response:
    """A picture of one test or sample tensor (``name``: ``test-input-0``, ``sample-output-1``)."""
    try:
        version = service.get_version(db, resource_id=resource_id, label=label, viewer=user)
        png = sample_png(version, name, storage=hub.storage)
        if png is None:
            raise ResourceNotFound("This version has no picture of that name.")
    except HubError as exc:  # JSON even for a browser: an image request never gets a page
        return JSONResponse(exc.as_json(), status_code=exc.status_code, headers=PACKAGE_HEADERS)
    published = version.status == VersionStatus.published
    headers = {
        "cache-control": "public, max-age=86400" if published else "private, no-cache",
        **PACKAGE_HEADERS,
    }
    return Response(png, media_type="image/png", headers=headers)
