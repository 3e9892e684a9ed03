"""The upload route: a package zip as the raw body, or a multipart form with a zip (``file``) or
an rdf.yaml plus its files (``files``, each named by its path inside the package)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Request
from starlette.concurrency import run_in_threadpool

from modelhub.accounts.deps import CurrentUser
from modelhub.accounts.signup import may_upload
from modelhub.deps import HubDep
from modelhub.uploads import receive
from modelhub.uploads.accept import accept_upload, limits_of
from modelhub.uploads.schemas import UploadResult

router = APIRouter(prefix="/api/v1", tags=["uploads"])

# A URL carries at most about 64 KB (the server refuses longer request lines before the hub
# sees them) and a character can take 12 bytes percent-encoded: notes in the query stay short,
# longer ones go in the multipart form field.
NOTE_IN_QUERY = 4_000
_NOTE = Query(
    max_length=NOTE_IN_QUERY,
    description=f"What changed in this revision (a form field may hold {receive.NOTE_CHARS:,})",
)
_FORM_ONLY = (
    "Send either one package zip as 'file', the rdf.yaml and its files as 'files', or the"
    " 'url' of a package zip or an rdf.yaml."
)
API = receive.Surface(
    raw_body=True, strip_top_folder=False, no_package=_FORM_ONLY, ambiguous=_FORM_ONLY
)


@router.post("/uploads", status_code=201)
async def upload(
    request: Request,
    hub: HubDep,
    user: CurrentUser,
    resource_id: Annotated[
        str | None,
        Query(max_length=receive.RESOURCE_ID_CHARS, description="Add a revision to this resource"),
    ] = None,
    change_note: Annotated[str | None, _NOTE] = None,
    submit: Annotated[
        bool, Query(description="Also submit the draft for review (status in_review)")
    ] = False,
    url: Annotated[
        str | None,
        Query(
            max_length=receive.URL_CHARS,
            description="Fetch the package from this URL (a package zip, or an rdf.yaml whose"
            " files are fetched beside it) instead of sending it",
        ),
    ] = None,
) -> UploadResult:
    """Upload a package. It is unpacked safely, validated with the bioimage.io rules and stored
    as a draft (with ``submit``: submitted for review in the same step); a refused upload
    answers 4xx with the reasons and keeps nothing. A body over ``MODELHUB_MAX_UPLOAD_BYTES``
    answers 413 ``upload_too_large``. With ``url`` (query or form field) the hub fetches the
    package itself, from public addresses only; a failed fetch answers 4xx ``fetch_*``."""
    may_upload(user, hub.settings)  # before the body arrives
    with receive.staging_area(hub.settings.staging_dir) as area:
        got = await receive.receive_package(
            request, area=area, limits=limits_of(hub), surface=API, url=url
        )
        return await run_in_threadpool(
            accept_upload,
            hub,
            area=area,
            uploader_id=user.id,
            files=got.files,
            # a form field wins over the query parameter of the same name
            resource_id=got.resource_id or resource_id,
            change_note=got.change_note or change_note,
            submit=submit if got.submit is None else got.submit,
            url=got.url,
        )
