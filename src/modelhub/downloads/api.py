"""Download routes: single files (ETag = sha256, Range, HEAD) and the streamed package zip.

The ``/artifacts/…`` URLs follow bioimage.io's layout so that existing clients work
(``BIOIMAGEIO_COLLECTION_HTTP_PATTERN=<hub>/artifacts/{bioimageio_id}/files/rdf.yaml``)."""

from __future__ import annotations

from fastapi import APIRouter, Depends, Request
from fastapi.responses import Response, StreamingResponse

from modelhub.accounts.deps import OptionalUser
from modelhub.catalog import service as catalog
from modelhub.catalog.models import VersionStatus
from modelhub.deps import DbSession, HubDep
from modelhub.downloads import counting, service
from modelhub.downloads.origin import to_files_origin
from modelhub.downloads.responses import blob_response, not_modified, zip_headers
from modelhub.downloads.zipstream import stream_zip, zip_size
from modelhub.web.ids import file_stem  # also registers the {resource_id:rid} convertor

# with a files origin set, the hub's origin answers these routes with a redirect there
router = APIRouter(tags=["downloads"], dependencies=[Depends(to_files_origin)])


def _file(
    request: Request,
    hub: HubDep,
    db: DbSession,
    user: OptionalUser,
    resource_id: str,
    label: str | None,
    path: str,
) -> Response:
    version, entry = service.find_file(
        db, resource_id=resource_id, label=label, path=path, viewer=user
    )
    published = version.status == VersionStatus.published
    immutable = label is not None and published
    if (
        published
        and counting.counts(request)
        and not not_modified(request, f'"{entry.blob_sha256}"')
    ):
        counting.count(
            request,
            db,
            resource_id=version.resource_id,
            version_number=version.number,
            kind="file",
            path=entry.path,
        )
    return blob_response(request, hub.storage, entry, immutable=immutable)


@router.get("/artifacts/{resource_id:rid}/files/{path:path}")
@router.head("/artifacts/{resource_id:rid}/files/{path:path}")
def latest_file(
    request: Request,
    hub: HubDep,
    db: DbSession,
    user: OptionalUser,
    resource_id: str,
    path: str,
    version: str | None = None,
) -> Response:
    """A file of the latest published version (or of ``?version=v2`` / ``?version=draft``)."""
    return _file(request, hub, db, user, resource_id, version, path)


@router.get("/artifacts/{resource_id:rid}/{label}/files/{path:path}")
@router.head("/artifacts/{resource_id:rid}/{label}/files/{path:path}")
@router.get("/api/v1/resources/{resource_id:rid}/versions/{label}/files/{path:path}")
@router.head("/api/v1/resources/{resource_id:rid}/versions/{label}/files/{path:path}")
def version_file(
    request: Request,
    hub: HubDep,
    db: DbSession,
    user: OptionalUser,
    resource_id: str,
    label: str,
    path: str,
) -> Response:
    """A file of a named version: ``v1``, ``v2``, … or ``draft``."""
    return _file(request, hub, db, user, resource_id, label, path)


def _package(
    request: Request,
    hub: HubDep,
    db: DbSession,
    user: OptionalUser,
    resource_id: str,
    label: str | None,
) -> Response:
    version = catalog.get_version(db, resource_id=resource_id, label=label, viewer=user)
    # plain values only: the session ends when this function returns, before the zip streams
    plan = service.plan_package(version)
    etag = f'"{plan.etag}"'
    headers = zip_headers(etag, f"{file_stem(resource_id)}-{version.label}.zip")
    if not_modified(request, etag):
        return Response(status_code=304, headers=headers)
    size = zip_size(plan.entries)
    if size is not None:  # clients show progress and know a cut-off download
        headers["content-length"] = str(size)
    if request.method == "HEAD":
        return Response(media_type="application/zip", headers=headers)
    if version.status == VersionStatus.published and counting.counts(request):
        counting.count(
            request,
            db,
            resource_id=version.resource_id,
            version_number=version.number,
            kind="package",
            path="package.zip",
        )
    return StreamingResponse(
        stream_zip(hub.storage, plan.entries, plan.stamp),
        media_type="application/zip",
        headers=headers,
    )


@router.get("/artifacts/{resource_id:rid}/package.zip")
@router.head("/artifacts/{resource_id:rid}/package.zip")
def latest_package(
    request: Request,
    hub: HubDep,
    db: DbSession,
    user: OptionalUser,
    resource_id: str,
    version: str | None = None,
) -> Response:
    """The whole package of the latest published version (or ``?version=``) as a zip."""
    return _package(request, hub, db, user, resource_id, version)


@router.get("/artifacts/{resource_id:rid}/{label}/package.zip")
@router.head("/artifacts/{resource_id:rid}/{label}/package.zip")
@router.get("/api/v1/resources/{resource_id:rid}/versions/{label}/package.zip")
@router.head("/api/v1/resources/{resource_id:rid}/versions/{label}/package.zip")
def version_package(
    request: Request,
    hub: HubDep,
    db: DbSession,
    user: OptionalUser,
    resource_id: str,
    label: str,
) -> Response:
    """The whole package of a named version as a zip."""
    return _package(request, hub, db, user, resource_id, label)
