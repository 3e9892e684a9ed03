"""The upload surface of ``bioimageio.spec.upload()`` (hypha's artifact manager, the parts the
client uses), so that ``BIOIMAGEIO_HYPHA_UPLOAD=<hub>/public/services/artifact-manager/create``
with a hub API token as ``BIOIMAGEIO_HYPHA_UPLOAD_TOKEN`` uploads to this hub.

``create`` stages an upload, ``put_file`` announces a file and answers the URL to PUT it to
(signed: the client sends no token there), ``edit`` with status ``request-review`` completes
it: the package is validated exactly like ``POST /api/v1/uploads``, stored as a draft and
submitted for review in one transaction. The client checks almost none of our answers, so
``edit`` is where every problem surfaces; ``read`` shows the staged state to its owner.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Coroutine
from datetime import datetime
from pathlib import Path
from typing import Annotated, Any, Literal, TypeVar

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import JSONResponse, Response
from fastapi.routing import APIRoute
from pydantic import BaseModel, ConfigDict, Field, ValidationError
from starlette.concurrency import run_in_threadpool

from modelhub.accounts.deps import OptionalUser
from modelhub.accounts.models import User
from modelhub.deps import HubDep
from modelhub.errors import ErrorDetail, HubError, InvalidRequest, NotAuthenticated
from modelhub.hub import Hub
from modelhub.interop.multipart import PartExtractor, malformed, write_body
from modelhub.interop.staging import (
    StagedState,
    StagingArea,
    already_completed,
    key_of,
    no_such_upload,
)
from modelhub.links import HYPHA_PREFIX
from modelhub.uploads.accept import accept_upload
from modelhub.uploads.archive import PackageFile
from modelhub.uploads.messages import human_size, too_large

PREFIX = HYPHA_PREFIX
COLLECTION = "bioimage-io/bioimage.io"
_M = TypeVar("_M", bound=BaseModel)


class _JsonErrors(APIRoute):
    """Errors of these routes are JSON whatever the Accept header (they are no pages)."""

    def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
        handler = super().get_route_handler()

        async def answer(request: Request) -> Response:
            try:
                return await handler(request)
            except HubError as exc:
                return JSONResponse(exc.as_json(), status_code=exc.status_code)

        return answer


router = APIRouter(
    prefix=PREFIX, tags=["compatibility"], include_in_schema=False, route_class=_JsonErrors
)


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class CreateRequest(_Strict):
    parent_id: str | None = None
    alias: str | None = Field(default=None, max_length=256)
    type: Literal["model", "dataset", "notebook", "application"]
    manifest: dict[str, Any]
    version: str | None = None


class PutFileRequest(_Strict):
    artifact_id: str = Field(max_length=128)
    file_path: str = Field(max_length=4096)


class EditRequest(_Strict):
    artifact_id: str = Field(max_length=128)
    version: str | None = None
    manifest: dict[str, Any] | None = None


class StagedFile(BaseModel):
    path: str
    size: int
    sha256: str


class StagedUpload(BaseModel):
    """A staged upload as its owner sees it; ``result`` is the upload's result once complete."""

    id: str
    alias: str | None
    type: str
    name: str | None
    status: Literal["staged", "completed"]
    created_at: datetime
    expires_at: datetime
    files: list[StagedFile]
    missing: list[str]
    total_bytes: int
    result: dict[str, Any] | None


def token_user(request: Request, user: OptionalUser) -> User:
    """The owner of the API token; a login cookie alone is not enough here."""
    if user is None or "authorization" not in request.headers:
        raise NotAuthenticated(
            "Send your hub API token as 'Authorization: Bearer <token>' "
            "(bioimageio.spec reads it from BIOIMAGEIO_HYPHA_UPLOAD_TOKEN)."
        )
    return user


TokenUser = Annotated[User, Depends(token_user)]


def _area(hub: Hub) -> StagingArea:
    return StagingArea(hub.settings.staging_dir)


def _view(area: StagingArea, state: StagedState) -> StagedUpload:
    return StagedUpload(
        id=state.artifact_id,
        alias=state.alias,
        type=state.type,
        name=state.name,
        status="staged" if state.result is None else "completed",
        created_at=state.created_at,
        expires_at=area.expires_at(state.key),
        files=[StagedFile(path=p, size=f.size, sha256=f.sha256) for p, f in state.files.items()],
        missing=state.missing,
        total_bytes=sum(f.size for f in state.files.values()),
        result=state.result,
    )


def _not_json(name: str) -> Any:
    # Python reads NaN and Infinity, which JSON does not have (and PostgreSQL refuses)
    raise ValueError(f"{name} is not a JSON value")


async def _json_body(request: Request, model: type[_M], limit: int) -> _M:
    """The JSON body as ``model``, read under ``limit`` bytes; project-shaped errors."""
    body = bytearray()
    async for chunk in request.stream():
        body += chunk
        if len(body) > limit:
            raise too_large(f"This request body is larger than {human_size(limit)}.")
    try:
        data = json.loads(body, parse_constant=_not_json)
    except ValueError as exc:
        raise InvalidRequest(f"The body must be JSON ({exc}).", code="invalid_json") from None
    except RecursionError:
        # Python's parser recurses once per nesting level: thousands of '[' exhaust the stack
        raise InvalidRequest("The body's JSON is nested too deeply.", code="invalid_json") from None
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        details = [ErrorDetail(tuple(e["loc"]), e["msg"]) for e in exc.errors()]
        raise HubError(
            "Some values in the request are not valid.",
            details,
            status_code=422,
            code="invalid_request",
        ) from None


def _stage_only(version: str | None) -> None:
    if version != "stage":
        raise InvalidRequest(
            f"version: {version!r} is not supported; this hub only takes staged uploads "
            "(version 'stage'). Reviewers publish versions after review.",
            [ErrorDetail(("version",), "must be 'stage'")],
            code="stage_only",
        )


def _body_limit(hub: Hub) -> int:
    # the manifest is the rdf.yaml's content as JSON; leave room for the other fields
    return 2 * hub.settings.max_description_bytes + 64 * 1024


@router.post("/create", status_code=201)
async def create(request: Request, hub: HubDep, user: TokenUser) -> StagedUpload:
    """Stage a new upload (hypha's ``create`` with version ``stage``); answers its ``id``."""
    body = await _json_body(request, CreateRequest, _body_limit(hub))
    if body.parent_id != COLLECTION:
        raise InvalidRequest(
            f"parent_id: {body.parent_id!r}; this hub holds one collection, "
            f"'{COLLECTION}': upload into it.",
            [ErrorDetail(("parent_id",), f"must be '{COLLECTION}'")],
            code="unknown_collection",
        )
    _stage_only(body.version)
    name = body.manifest.get("name")
    area = _area(hub)
    state = await run_in_threadpool(
        area.create,
        owner_id=user.id,
        alias=body.alias,
        type=body.type,
        name=name[:256] if isinstance(name, str) else None,
    )
    return _view(area, state)


@router.post("/put_file")
async def put_file(request: Request, hub: HubDep, user: TokenUser) -> str:
    """Announce a file of a staged upload; answers the URL to PUT its bytes to (no token
    needed there: the URL is signed for this upload and this path)."""
    body = await _json_body(request, PutFileRequest, _body_limit(hub))
    area = _area(hub)

    def announce() -> tuple[StagedState, str]:
        with area.locked(body.artifact_id, user.id) as state:
            path = area.announce(state, body.file_path, max_files=hub.settings.max_files)
            return state, path

    state, path = await run_in_threadpool(announce)
    return hub.links.staged_file(state.key, path=path, signature=state.signature(path))


@router.put("/files/{key}")
async def receive_file(
    request: Request,
    hub: HubDep,
    key: str,
    path: Annotated[str, Query(max_length=4096)],
    signature: Annotated[str, Query(max_length=128)],
) -> StagedFile:
    """The bytes of one announced file: the raw body, or a multipart body with one file part
    (the client sends one with an empty Content-Type: the boundary is read from the body)."""
    area = _area(hub)
    artifact_id = f"staged-{key}"
    state = area.load(key_of(artifact_id))
    if state is None:
        raise no_such_upload(artifact_id)
    if not state.signature_ok(path, signature):
        raise HubError(
            "This upload URL is not valid for this file; ask put_file for a new one.",
            status_code=403,
            code="bad_signature",
        )
    if path not in state.announced:
        raise no_such_upload(artifact_id)  # only announced paths are ever signed
    if state.result is not None:
        raise already_completed(state)
    encoding = request.headers.get("content-encoding", "identity").strip().lower()
    if encoding not in ("", "identity"):
        raise malformed(f"A body with Content-Encoding '{encoding}' cannot be read.")
    limit = hub.settings.max_upload_bytes
    budget = area.budget(state, path, limit)
    declared = request.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > budget + 1024 * 1024:
        raise too_large(f"All files of one upload together may hold {human_size(limit)}.")
    area.touch(key)  # a long transfer keeps the upload alive
    extractor = PartExtractor(request.headers.get("content-type"))
    tmp = await run_in_threadpool(area.incoming, key)
    received = await write_body(request.stream(), extractor, tmp, budget)

    def adopt() -> None:
        try:
            with area.locked(artifact_id) as current:
                area.adopt(current, path, tmp, received, limit)
        finally:
            tmp.unlink(missing_ok=True)

    await run_in_threadpool(adopt)
    return StagedFile(path=path, size=received.size, sha256=received.sha256)


@router.post("/edit")
async def edit(request: Request, hub: HubDep, user: TokenUser) -> StagedUpload:
    """With ``manifest.status`` ``request-review``: validate the staged package like any
    upload, store it as a draft and submit it for review (one transaction). A refusal answers
    the same error as ``POST /api/v1/uploads`` and keeps the staged files for a retry.
    Without that status nothing changes and the staged state is answered."""
    body = await _json_body(request, EditRequest, _body_limit(hub))
    _stage_only(body.version)
    area = _area(hub)
    status = (body.manifest or {}).get("status")

    def run() -> StagedState:
        with area.locked(body.artifact_id, user.id) as state:
            if status != "request-review":
                return state

            def accept(folder: Path, files: list[PackageFile]) -> dict[str, Any]:
                result = accept_upload(
                    hub,
                    area=folder,
                    uploader_id=user.id,
                    files=files,
                    resource_id=None,
                    change_note=None,
                    submit=True,
                )
                return result.model_dump(mode="json")

            return area.complete(state, accept)

    return _view(area, await run_in_threadpool(run))


@router.get("/read")
def read(
    hub: HubDep, user: TokenUser, artifact_id: Annotated[str, Query(max_length=128)]
) -> StagedUpload:
    """The staged upload's state, for its owner."""
    area = _area(hub)
    return _view(area, area.owned(artifact_id, user.id))
