"""Receiving upload bytes: streamed into the staging area under the size limit, never held in
memory. A refused upload's staging directory is removed by the caller."""

from __future__ import annotations

import hashlib
from collections.abc import AsyncIterator, Iterator
from contextlib import contextmanager
from pathlib import Path

import anyio
from starlette.datastructures import UploadFile
from starlette.requests import Request
from starlette.types import Message

from modelhub.errors import ErrorDetail, UploadRefused
from modelhub.owned import owned_dir
from modelhub.private import private_dir
from modelhub.uploads.archive import PackageFile, UnpackLimits, safe_member_name

CHUNK = 1024 * 1024
UPLOAD_PREFIX = "upload-"


def too_large(limit: int) -> UploadRefused:
    return UploadRefused(
        f"The upload is larger than this hub accepts ({limit / 1024**3:.1f} GB). "
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


def declared_length_ok(request: Request, limit: int) -> None:
    """Refuse before reading anything when the client says the body is too large."""
    length = request.headers.get("content-length")
    if length is not None and length.isdigit() and int(length) > limit:
        raise too_large(limit)


async def stream_body(request: Request, dest: Path, limit: int) -> int:
    """Write the raw request body to ``dest``; stop as soon as it exceeds ``limit``."""
    size = 0
    async with await anyio.open_file(dest, "wb") as out:
        async for chunk in request.stream():
            size += len(chunk)
            if size > limit:
                raise too_large(limit)
            await out.write(chunk)
    return size


def limited_request(request: Request, limit: int) -> Request:
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


async def _chunks(upload: UploadFile) -> AsyncIterator[bytes]:
    while chunk := await upload.read(CHUNK):
        yield chunk


async def write_parts(
    parts: list[UploadFile], dest: Path, limits: UnpackLimits
) -> list[PackageFile]:
    """Write the files of a multi-file upload under ``dest`` by their relative names."""
    if len(parts) > limits.max_files:
        raise UploadRefused(
            f"The upload has {len(parts)} files; this hub accepts at most {limits.max_files}.",
            code="too_many_files",
            status_code=413,
        )
    written: list[PackageFile] = []
    seen: set[str] = set()
    total = 0
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
        digest = hashlib.sha256()
        size = 0
        async with await anyio.open_file(target, "wb") as out:
            async for chunk in _chunks(part):
                size += len(chunk)
                total += len(chunk)
                if total > limits.max_unpacked_bytes:
                    raise too_large(limits.max_unpacked_bytes)
                digest.update(chunk)
                await out.write(chunk)
        written.append(PackageFile(path=name, size=size, sha256=digest.hexdigest()))
    return written
