"""Applications a resource opens in: ``application`` resources whose package holds a web page.

An application's *entry* is the HTML file its rdf.yaml names as ``source`` (``index.html``,
``app/viewer.htm``), inside its package. A model (or any resource) names the applications it
opens in among its ``links``; each published application with an entry becomes an "Open in
<application>" action on the resource's card. The page runs only in a sandboxed frame on the
files origin (``downloads.apps``, ``pages.open_app``); how it learns the resource it was
opened with is documented in ``docs/applications.md``.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import PurePosixPath
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from modelhub.catalog.models import Resource, ResourceType, ResourceVersion, VersionStatus
from modelhub.errors import HubError

ENTRY_SUFFIXES = (".html", ".htm")
MAX_LINKS = 50  # links read per description: a card shows a handful


class NoApplication(HubError):
    def __init__(self, app_id: str) -> None:
        super().__init__(
            message=(
                f"'{app_id}' is not a published application with a web page here (its "
                "rdf.yaml names no HTML file of its package as `source`)."
            ),
            status_code=404,
            code="not_an_application",
        )


@dataclass(frozen=True)
class Application:
    """A published application version and its entry page."""

    resource: Resource
    version: ResourceVersion
    entry: str

    @property
    def id(self) -> str:
        return self.resource.id

    @property
    def name(self) -> str:
        return self.version.name


def entry_of(version: ResourceVersion) -> str | None:
    """The package path of the version's web page: its ``source`` when that names an HTML
    file of the package (an application's only); None otherwise."""
    rdf: dict[str, Any] = version.rdf if isinstance(version.rdf, dict) else {}
    source = rdf.get("source")
    if rdf.get("type") != ResourceType.application.value or not isinstance(source, str):
        return None
    path = source.strip().removeprefix("./")
    if not path.lower().endswith(ENTRY_SUFFIXES) or PurePosixPath(path).is_absolute():
        return None
    return path if any(f.path == path for f in version.files) else None


def published_application(
    db: Session, *, app_id: str, number: int | None = None
) -> Application | None:
    """The application ``app_id`` at version ``number`` (its latest without one), if it is a
    published application with an entry page."""
    resource = db.get(Resource, app_id)
    if resource is None or resource.type is not ResourceType.application:
        return None
    wanted = number if number is not None else resource.latest_version
    if wanted is None:
        return None
    version = db.scalar(
        select(ResourceVersion).where(
            ResourceVersion.resource_id == app_id,
            ResourceVersion.number == wanted,
            ResourceVersion.status == VersionStatus.published,
        )
    )
    entry = entry_of(version) if version is not None else None
    if version is None or entry is None:
        return None
    return Application(resource=resource, version=version, entry=entry)


def get_application(db: Session, *, app_id: str) -> Application:
    """The latest published version of application ``app_id``; 404 ``not_an_application``."""
    found = published_application(db, app_id=app_id)
    if found is None:
        raise NoApplication(app_id)
    return found


def linked_applications(db: Session, *, version: ResourceVersion) -> list[Application]:
    """The published applications (with an entry page) among the version's ``links``, in the
    order the description names them."""
    rdf: dict[str, Any] = version.rdf if isinstance(version.rdf, dict) else {}
    links = rdf.get("links")
    if not isinstance(links, list):
        return []
    seen: set[str] = set()
    found: list[Application] = []
    for link in links[:MAX_LINKS]:
        if not isinstance(link, str) or link in seen or link == version.resource_id:
            continue
        seen.add(link)
        app = published_application(db, app_id=link.strip())
        if app is not None:
            found.append(app)
    return found
