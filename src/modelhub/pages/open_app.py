"""Open a resource in an application (`/resources/{id}/open/{app id}`): the hub's page that
frames the application's web page (``downloads.apps``) and hands it the resource's context.

The frame is ``<iframe sandbox="allow-scripts">`` on the files origin (or, without one, on the
hub's origin with the page's own ``sandbox allow-scripts`` policy): the application never runs
with the hub's origin. It learns what it was opened with twice, for applications of either
style (``docs/applications.md``): in the frame address's fragment, and by ``postMessage``
(``/static/open_app.js``) once the frame has loaded and again whenever it asks.
"""

from __future__ import annotations

from urllib.parse import urlencode, urlsplit

from fastapi import APIRouter, Request
from fastapi.responses import Response
from pydantic import BaseModel

import modelhub.web.ids  # noqa: F401  (registers the {resource_id:rid} path convertor)
from modelhub.accounts.deps import OptionalUser
from modelhub.catalog import service
from modelhub.catalog.applications import get_application
from modelhub.catalog.models import VersionStatus
from modelhub.deps import DbSession, HubDep
from modelhub.errors import HubError
from modelhub.links import Links
from modelhub.web import render
from modelhub.web.headers import content_security_policy

router = APIRouter(include_in_schema=False)

MESSAGE_TYPE = "modelhub:context"


class AppContext(BaseModel):
    """What an application is told about the resource it was opened with."""

    id: str
    version: str
    rdf_url: str
    name: str
    type: str
    page_url: str
    hub_url: str


class OpenAppPage(BaseModel):
    resource_id: str
    resource_name: str
    version: str
    application_id: str
    application_name: str
    application_version: str
    # the application's page with the context in its fragment; its origin (the frame's)
    frame_url: str
    frame_origin: str
    message_type: str = MESSAGE_TYPE
    context: AppContext
    resource_url: str
    application_url: str


def _origin(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}"


@router.get("/resources/{resource_id:rid}/open/{app_id:rid}")
def open_in_application(
    request: Request,
    resource_id: str,
    app_id: str,
    hub: HubDep,
    db: DbSession,
    user: OptionalUser,
    version: str | None = None,
) -> Response:
    """A published version of a resource (the latest, or ``version``) opened in the published
    application ``app_id``."""
    links = hub.links
    chosen = service.get_version(db, resource_id=resource_id, label=version, viewer=user)
    if chosen.status is not VersionStatus.published:
        raise HubError(
            message="Only published versions open in applications: the application runs on "
            "its own origin and reads the resource's public files.",
            status_code=409,
            code="not_published",
        )
    app = get_application(db, app_id=app_id)
    label, app_label = chosen.label, app.version.label
    context = AppContext(
        id=resource_id,
        version=label,
        rdf_url=links.file(resource_id, label, "rdf.yaml"),
        name=chosen.name,
        type=chosen.resource.type.value,
        page_url=links.resource_page(resource_id, label),
        hub_url=links.base,
    )
    entry = links.app_entry(app.id, app_label, app.entry)
    fragment = urlencode({"id": context.id, "version": context.version, "rdf_url": context.rdf_url})
    data = OpenAppPage(
        resource_id=resource_id,
        resource_name=chosen.name,
        version=label,
        application_id=app.id,
        application_name=app.name,
        application_version=app_label,
        frame_url=f"{entry}#{fragment}",
        frame_origin=_origin(entry),
        context=context,
        resource_url=Links.resource_path(resource_id, label),
        application_url=Links.resource_path(app.id),
    )
    response = render.page(request, "open_app.html", data, extra={"user": user})
    policy = content_security_policy(hub.settings.public_files_base, frames=True)
    response.headers["content-security-policy"] = policy
    return response
