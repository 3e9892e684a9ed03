"""The upload route: a package zip as the raw body, or a multipart form with a zip (``file``) or
an rdf.yaml plus its files (``files``, each named by its path inside the package)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import anyio
from fastapi import APIRouter, Query, Request
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import FormData, UploadFile

from modelhub.accounts.deps import CurrentUser
from modelhub.deps import HubDep
from modelhub.errors import ErrorDetail, UploadRefused
from modelhub.uploads import receive
from modelhub.uploads.accept import accept_upload, limits_of
from modelhub.uploads.archive import PackageFile
from modelhub.uploads.schemas import UploadResult

router = APIRouter(prefix="/api/v1", tags=["uploads"])

# A URL carries at most about 64 KB (the server refuses longer request lines before the hub
# sees them) and a character can take 12 bytes percent-encoded: notes in the query stay short,
# longer ones go in the multipart form field.
NOTE_IN_QUERY = 4_000
NOTE_IN_FORM = 10_000
_NOTE = Query(
    max_length=NOTE_IN_QUERY,
    description=f"What changed in this revision (a form field may hold {NOTE_IN_FORM:,})",
)


@router.post("/uploads", status_code=201)
async def upload(
    request: Request,
    hub: HubDep,
    user: CurrentUser,
    resource_id: Annotated[
        str | None, Query(max_length=64, description="Add a revision to this resource")
    ] = None,
    change_note: Annotated[str | None, _NOTE] = None,
    submit: Annotated[
        bool, Query(description="Also submit the draft for review (status in_review)")
    ] = False,
) -> UploadResult:
    """Upload a package. It is unpacked safely, validated with the bioimage.io rules and stored
    as a draft (with ``submit``: submitted for review in the same step); a refused upload
    answers 4xx with the reasons and keeps nothing."""
    limits = limits_of(hub)
    receive.declared_length_ok(request, limits.max_upload_bytes)
    with receive.staging_area(hub.settings.staging_dir) as area:
        files: list[PackageFile] | None = None
        if request.headers.get("content-type", "").startswith("multipart/form-data"):
            form = await receive.limited_request(request, limits.max_upload_bytes).form(
                max_files=limits.max_files + 1, max_fields=16
            )
            try:
                resource_id = _text(form, "resource_id", 64) or resource_id
                change_note = _text(form, "change_note", NOTE_IN_FORM) or change_note
                submit = _flag(form.get("submit"), default=submit)
                zips = [p for p in form.getlist("file") if isinstance(p, UploadFile)]
                parts = [p for p in form.getlist("files") if isinstance(p, UploadFile)]
                if len(zips) == 1 and not parts:
                    await _save(zips[0], area / "upload.zip")
                elif parts and not zips:
                    (area / "pkg").mkdir()
                    files = await receive.write_parts(parts, area / "pkg", limits)
                else:
                    raise UploadRefused(
                        "Send either one package zip as 'file', or the rdf.yaml and its files "
                        "as 'files'.",
                        code="no_package",
                        status_code=400,
                    )
            finally:
                await form.close()
        else:
            size = await receive.stream_body(request, area / "upload.zip", limits.max_upload_bytes)
            if size == 0:
                raise UploadRefused(
                    "The upload is empty; send the package zip as the request body.",
                    code="no_package",
                    status_code=400,
                )
        return await run_in_threadpool(
            accept_upload,
            hub,
            area=area,
            uploader_id=user.id,
            files=files,
            resource_id=resource_id,
            change_note=change_note,
            submit=submit,
        )


def _flag(value: object, *, default: bool) -> bool:
    """A form field's boolean, spelled as FastAPI accepts it in a query."""
    if not isinstance(value, str) or not value.strip():
        return default
    text = value.strip().lower()
    if text in ("1", "true", "on", "yes"):
        return True
    if text in ("0", "false", "off", "no"):
        return False
    raise UploadRefused(
        f"submit: '{text[:20]}' is not true or false.",
        [ErrorDetail(("submit",), "must be true or false")],
        code="invalid_request",
        status_code=422,
    )


def _text(form: FormData, name: str, max_length: int) -> str | None:
    value = form.get(name)
    if not isinstance(value, str):
        return None
    if len(value) > max_length:
        raise UploadRefused(
            f"{name}: at most {max_length:,} characters, not {len(value):,}.",
            [ErrorDetail((name,), f"must have at most {max_length:,} characters")],
            code="invalid_request",
            status_code=422,
        )
    return value.strip() or None


async def _save(part: UploadFile, target: Path) -> None:
    async with await anyio.open_file(target, "wb") as out:
        while chunk := await part.read(receive.CHUNK):
            await out.write(chunk)
