"""The synchronous part of an upload: unpack, validate, store, commit — or keep nothing."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from modelhub.accounts.models import User
from modelhub.accounts.signup import may_upload
from modelhub.checks.models import CheckRun
from modelhub.errors import Conflict, NotAuthenticated
from modelhub.fetch.policy import FetchPolicy
from modelhub.hub import Hub
from modelhub.review import service as review
from modelhub.storage.service import committed_blobs
from modelhub.uploads import service
from modelhub.uploads.archive import PackageFile, UnpackLimits, unpack_zip
from modelhub.uploads.from_url import fetch_package
from modelhub.uploads.schemas import Problem, UploadResult
from modelhub.uploads.validation import validate_package


def limits_of(hub: Hub) -> UnpackLimits:
    s = hub.settings
    return UnpackLimits(
        max_upload_bytes=s.max_upload_bytes,
        max_unpacked_bytes=s.max_unpacked_bytes,
        max_files=s.max_files,
    )


def accept_upload(
    hub: Hub,
    *,
    area: Path,
    uploader_id: int,
    files: list[PackageFile] | None,
    resource_id: str | None,
    change_note: str | None,
    submit: bool = False,
    url: str | None = None,
) -> UploadResult:
    """Validate the package staged in ``area`` (``area/upload.zip``, or files already written to
    ``area/pkg``; with ``url``, first fetched from there into ``area``) and store it as a draft;
    with ``submit``, also submit it for review in the same transaction. Any refusal or failure
    leaves no blob and no row."""
    if url is not None:
        rules = FetchPolicy.of(hub.settings, max_bytes=0)  # each fetch sets its own limit
        files = fetch_package(rules, area=area, url=url, limits=limits_of(hub))
    root = area / "pkg"
    if files is None:
        archive = area / "upload.zip"
        root.mkdir(exist_ok=True)
        files = unpack_zip(archive, root, limits_of(hub))
        archive.unlink()
    pkg = validate_package(root, files)
    with hub.sessions() as db:
        uploader = db.get(User, uploader_id)
        if uploader is None or not uploader.is_active:
            raise NotAuthenticated()
        may_upload(uploader, hub.settings)
        try:
            with committed_blobs(db, hub.storage, hub.sessions, purpose="upload") as batch:
                version = service.ingest(
                    db,
                    batch=batch,
                    pkg=pkg,
                    uploader=uploader,
                    resource_id=resource_id,
                    change_note=change_note,
                )
                if submit:
                    version = review.submit(
                        db,
                        resource_id=version.resource_id,
                        actor=uploader,
                        revision=version.revision,
                    )
        except IntegrityError as exc:
            # two uploads raced for the same resource (or nickname): nothing was kept
            raise Conflict(
                "Another upload to this resource finished at the same moment. Please upload again.",
                code="concurrent_upload",
            ) from exc
        dispatcher = getattr(hub, "jobs", None)
        if dispatcher is not None:
            dispatcher.notify()  # the check's job is committed: hand it out now
        links = hub.links
        resource = version.resource
        check = db.scalar(
            select(CheckRun.id).where(CheckRun.version_id == version.id).order_by(CheckRun.id)
        )
        return UploadResult(
            resource_id=resource.id,
            emoji=resource.emoji,
            type=resource.type,
            name=version.name,
            version=version.label,
            revision=version.revision,
            status=version.status,
            format_version=version.format_version,
            files=len(version.files),
            warnings=[Problem(loc=list(w.loc), msg=w.msg) for w in pkg.warnings],
            check_id=check,
            url=links.resource_api(resource.id),
            rdf_url=links.file(resource.id, "draft", "rdf.yaml"),
            page_url=links.resource_page(resource.id),
        )
