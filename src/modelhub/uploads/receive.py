"""Receiving a package: the one code path of ``POST /api/v1/uploads`` and the wizard's
``POST /upload``. The bytes stream into the staging area, never held in memory, under one limit
for the whole request body (``MODELHUB_MAX_UPLOAD_BYTES``): a declared ``Content-Length`` over it
is refused before anything is read, a body without one (or that lies) is stopped where it passes
the limit, both surfaces answering 413 ``upload_too_large``. A refused upload's staging directory
is removed by the caller (``staging_area``)."""

from __future__ import annotations

import hashlib
from collections.abc import AsyncIterator, Callable, Iterator
from contextlib import asynccontextmanager, contextmanager
from dataclasses import dataclass
from pathlib import Path

import anyio
from starlette.datastructures import FormData, UploadFile
from starlette.requests import Request
from starlette.types import Message

from modelhub.errors import ErrorDetail, UploadRefused
from modelhub.owned import owned_dir
from modelhub.private import private_dir
from modelhub.uploads import messages
from modelhub.uploads.archive import PackageFile, UnpackLimits, safe_member_name

CHUNK = 1024 * 1024
UPLOAD_PREFIX = "upload-"
MAX_FIELDS = 16  # the few text fields of an upload form (and a browser's CSRF token)
RESOURCE_ID_CHARS = 64
URL_CHARS = 2000
NOTE_CHARS = 10_000


def too_large(limit: int) -> UploadRefused:
    """The request body passes ``MODELHUB_MAX_UPLOAD_BYTES`` (413 ``upload_too_large``)."""
    return UploadRefused(
        f"The upload is larger than this hub accepts ({messages.human_size(limit)}). "
        "Ask the hub's admins if your package really needs to be this big.",
        code="upload_too_large",
        status_code=413,
    )


@contextmanager
def staging_area(root: Path) -> Iterator[Path]:
    """A fresh directory for one upload (private to the hub's user), removed afterwards whatever
    happens. It is held by this process (``modelhub.owned``): if the process dies mid-upload,
    ``gc`` sees that at once and removes the folder."""
    with owned_dir(private_dir(root), prefix=UPLOAD_PREFIX) as path:
        yield path


@dataclass(frozen=True)
class Surface:
    """What differs, on purpose, between the routes receiving a package: the API also takes the
    zip as the raw body; the wizard receives a chosen folder (its top-level directory is not part
    of the package) and speaks of choosing files."""

    raw_body: bool
    strip_top_folder: bool
    no_package: str  # nothing was sent
    ambiguous: str  # a zip and files, or several zips


@dataclass(frozen=True)
class Received:
    """A package written into the staging area, and the text fields sent with it."""

    files: list[PackageFile] | None  # None: the package is ``area/upload.zip`` (or ``url``'s)
    resource_id: str | None = None
    change_note: str | None = None
    submit: bool | None = None  # None: not in the form
    url: str | None = None  # the package is to be fetched from there (nothing was written)


async def receive_package(
    request: Request,
    *,
    area: Path,
    limits: UnpackLimits,
    surface: Surface,
    check_form: Callable[[FormData], None] | None = None,
    url: str | None = None,
) -> Received:
    """Write the request's package into ``area``: ``area/upload.zip`` (a zip as the raw body or
    as the form's ``file``), or a folder's files (the form's ``files``, each named by its path)
    under ``area/pkg``; or, given a ``url`` (the query's, or the form's field), write nothing
    and say where to fetch the package from. ``check_form`` sees the parsed form before any
    package byte is written (the wizard's CSRF check)."""
    limit = limits.max_upload_bytes
    multipart = request.headers.get("content-type", "").startswith("multipart/form-data")
    if not multipart and surface.raw_body and url:
        async for chunk in request.stream():
            if chunk:
                raise _no_package(surface.ambiguous)  # a body and a URL: which one?
        return Received(files=None, url=url)
    if not multipart and surface.raw_body:
        _declared_length_ok(request, limit)
        if await _stream_body(request, area / "upload.zip", limit) == 0:
            raise _no_package("The upload is empty; send the package zip as the request body.")
        return Received(files=None)
    if not multipart:
        raise _no_package(surface.no_package)  # a form without files carries no package
    async with form_of(request, limit=limit, max_files=limits.max_files + 1) as form:
        if check_form is not None:
            check_form(form)
        resource_id = _text(form, "resource_id", RESOURCE_ID_CHARS)
        change_note = _text(form, "change_note", NOTE_CHARS)
        submit = _flag(form.get("submit"))
        url = _text(form, "url", URL_CHARS) or url
        zips = chosen_files(form, "file")
        parts = chosen_files(form, "files")
        if url and not zips and not parts:
            return Received(files=None, resource_id=resource_id, change_note=change_note,
                            submit=submit, url=url)  # fmt: skip
        if url:
            raise _no_package(surface.ambiguous)
        if len(zips) == 1 and not parts:
            await save_part(zips[0], area / "upload.zip", limit=limit, refusal=too_large(limit))
            files = None
        elif parts and not zips:
            if surface.strip_top_folder:
                _strip_top_folder(parts)
            (area / "pkg").mkdir()
            files = await _write_parts(parts, area / "pkg", limits)
        else:
            raise _no_package(surface.ambiguous if zips or parts else surface.no_package)
    return Received(files=files, resource_id=resource_id, change_note=change_note, submit=submit)


@asynccontextmanager
async def form_of(
    request: Request, *, limit: int, max_files: int, max_fields: int = MAX_FIELDS
) -> AsyncIterator[FormData]:
    """The request's multipart form, its body under ``limit`` bytes; its spooled files are
    closed when the block ends."""
    _declared_length_ok(request, limit)
    form = await _limited_request(request, limit).form(max_files=max_files, max_fields=max_fields)
    try:
        yield form
    finally:
        await form.close()


def _declared_length_ok(request: Request, limit: int) -> None:
    """Refuse before reading anything when the client says the body is too large."""
    length = request.headers.get("content-length")
    if length is not None and length.isdigit() and int(length) > limit:
        raise too_large(limit)


async def _stream_body(request: Request, dest: Path, limit: int) -> int:
    """Write the raw request body to ``dest``; stop as soon as it exceeds ``limit``."""
    size = 0
    async with await anyio.open_file(dest, "wb") as out:
        async for chunk in request.stream():
            size += len(chunk)
            if size > limit:
                raise too_large(limit)
            await out.write(chunk)
    return size


def _limited_request(request: Request, limit: int) -> Request:
    """The same request whose body cannot exceed ``limit`` bytes, for the multipart parser
    (which spools file parts to temporary files and knows no overall limit)."""
    seen = 0
    receive = request.receive

    async def counted() -> Message:
        nonlocal seen
        message = await receive()
        if message["type"] == "http.request":
            seen += len(message.get("body", b""))
            if seen > limit:
                raise too_large(limit)
        return message

    return Request(request.scope, receive=counted)


def chosen_files(form: FormData, name: str) -> list[UploadFile]:
    """The files of one file input; a form sends an empty part for an input left empty."""
    return [p for p in form.getlist(name) if isinstance(p, UploadFile) and p.filename]


def _strip_top_folder(parts: list[UploadFile]) -> None:
    """A chosen folder arrives as ``folder/rdf.yaml``, ``folder/weights.pt``…; the package is
    what is inside the folder."""
    names = [(p.filename or "").replace("\\", "/") for p in parts]
    tops = {n.split("/", 1)[0] for n in names}
    if len(tops) == 1 and all("/" in n for n in names):
        for part, name in zip(parts, names, strict=True):
            part.filename = name.split("/", 1)[1]


async def save_part(
    part: UploadFile, target: Path, *, limit: int, refusal: UploadRefused
) -> PackageFile:
    """Copy one received file part to ``target`` (hashing it); ``refusal`` is raised as soon
    as it passes ``limit`` bytes."""
    digest = hashlib.sha256()
    size = 0
    async with await anyio.open_file(target, "wb") as out:
        while chunk := await part.read(CHUNK):
            size += len(chunk)
            if size > limit:
                raise refusal
            digest.update(chunk)
            await out.write(chunk)
    return PackageFile(path=target.name, size=size, sha256=digest.hexdigest())


async def _write_parts(
    parts: list[UploadFile], dest: Path, limits: UnpackLimits
) -> list[PackageFile]:
    """Write the files of a folder upload under ``dest`` by their relative names; together they
    are the unpacked package, so they stay under ``max_unpacked_bytes`` like an unpacked zip."""
    if len(parts) > limits.max_files:
        raise messages.too_many_files(limits.max_files)
    written: list[PackageFile] = []
    seen: set[str] = set()
    budget = limits.max_unpacked_bytes
    for part in parts:
        name = safe_member_name(part.filename or "")
        if name.lower() in seen:
            raise UploadRefused(
                f"The file '{name}' was sent twice.",
                [ErrorDetail(("package", name), "duplicate file name")],
                code="duplicate_entry",
            )
        seen.add(name.lower())
        target = dest / name
        target.parent.mkdir(parents=True, exist_ok=True)
        unpacked = messages.too_large(
            f"The package's files hold more than {messages.human_size(limits.max_unpacked_bytes)}."
        )
        saved = await save_part(part, target, limit=budget, refusal=unpacked)
        budget -= saved.size
        written.append(PackageFile(path=name, size=saved.size, sha256=saved.sha256))
    return written


def _no_package(message: str) -> UploadRefused:
    return UploadRefused(message, code="no_package", status_code=400)


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


def _flag(value: object) -> bool | None:
    """A form field's boolean, spelled as FastAPI accepts it in a query; None when absent."""
    if not isinstance(value, str) or not value.strip():
        return None
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
