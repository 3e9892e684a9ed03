"""JSON routes of the catalog: read and cite a resource (finding them: ``search.api``)."""

from __future__ import annotations

from fastapi import APIRouter
from fastapi.responses import Response

from modelhub.accounts.deps import OptionalUser
from modelhub.catalog import citation, service, views
from modelhub.catalog.schemas import ResourceRead, VersionRead, VersionSummary
from modelhub.deps import DbSession, HubDep
from modelhub.errors import Conflict
from modelhub.web.ids import file_stem  # also registers the {resource_id:rid} convertor

router = APIRouter(prefix="/api/v1/resources", tags=["resources"])


@router.get("/{resource_id:rid}")
def get_resource(resource_id: str, hub: HubDep, db: DbSession, user: OptionalUser) -> ResourceRead:
    """One resource with its versions (drafts only for those who may see them)."""
    resource = service.get_resource(db, resource_id=resource_id, viewer=user)
    return views.resource_read(db, resource, hub.links, viewer=user, with_versions=True)


@router.get("/{resource_id:rid}/versions")
def list_versions(resource_id: str, db: DbSession, user: OptionalUser) -> list[VersionSummary]:
    """Published versions, newest first, and the open draft for its people."""
    resource = service.get_resource(db, resource_id=resource_id, viewer=user)
    return [
        views.version_summary(v)
        for v in service.visible_versions(db, resource=resource, viewer=user)
    ]


@router.get("/{resource_id:rid}/versions/{label}")
def get_version(
    resource_id: str, label: str, hub: HubDep, db: DbSession, user: OptionalUser
) -> VersionRead:
    """A version (``latest``, ``v1``, ``2``, ``draft``) with its files and description."""
    version = service.get_version(db, resource_id=resource_id, label=label, viewer=user)
    return views.version_read(version, hub.links)


_CFF_TYPE = "application/yaml; charset=utf-8"
_BIBTEX_TYPE = "application/x-bibtex; charset=utf-8"


def _citable(
    hub: HubDep, db: DbSession, user: OptionalUser, resource_id: str, label: str
) -> citation.CitationInfo:
    version = service.get_version(db, resource_id=resource_id, label=label, viewer=user)
    if version.number is None or version.published_at is None:
        raise Conflict(
            f"Version '{version.label}' of '{resource_id}' is not published yet; "
            "citations are made for published versions.",
            code="not_published",
        )
    return citation.citation_info(version, links=hub.links)


@router.get(
    "/{resource_id:rid}/versions/{label}/citation.cff",
    response_class=Response,
    responses={200: {"content": {_CFF_TYPE: {}}, "description": "CITATION.cff"}},
)
def get_citation_cff(
    resource_id: str, label: str, hub: HubDep, db: DbSession, user: OptionalUser
) -> Response:
    """How to cite a published version, as a `CITATION.cff` file (Citation File Format 1.2.0,
    YAML): title, authors with ORCIDs, version label, release date, hub URL, license,
    repository and the works the description asks to cite (`references`). A draft answers 409
    `not_published`."""
    info = _citable(hub, db, user, resource_id, label)
    disposition = 'attachment; filename="CITATION.cff"'
    return Response(
        citation.citation_cff(info),
        media_type=_CFF_TYPE,
        headers={"content-disposition": disposition},
    )


@router.get(
    "/{resource_id:rid}/versions/{label}/citation.bib",
    response_class=Response,
    responses={200: {"content": {_BIBTEX_TYPE: {}}, "description": "BibTeX entries"}},
)
def get_citation_bibtex(
    resource_id: str, label: str, hub: HubDep, db: DbSession, user: OptionalUser
) -> Response:
    """How to cite a published version, as BibTeX: one `@software` entry for the version, then
    one `@misc` entry per work the description asks to cite. A draft answers 409
    `not_published`."""
    info = _citable(hub, db, user, resource_id, label)
    disposition = f'attachment; filename="{file_stem(info.resource_id)}-{info.label}.bib"'
    return Response(
        citation.citation_bibtex(info),
        media_type=_BIBTEX_TYPE,
        headers={"content-disposition": disposition},
    )
