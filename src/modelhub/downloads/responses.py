"""HTTP responses for blobs: strong ETags (the sha256), conditional requests and byte ranges,
with the headers that keep package bytes from running on the hub (see ``safety``)."""

from __future__ import annotations

import re

from fastapi import Request
from fastapi.responses import RedirectResponse, Response, StreamingResponse
from starlette.responses import FileResponse

from modelhub.catalog.models import VersionFile
from modelhub.downloads.safety import PACKAGE_HEADERS, content_disposition, presentation
from modelhub.storage.base import Storage
from modelhub.storage.s3 import S3Storage

_RANGE = re.compile(r"^bytes=(\d*)-(\d*)$")


class BlobFileResponse(FileResponse):
    # larger reads than the default 64 KiB: fewer event-loop turns per gigabyte
    chunk_size = 1024 * 1024


def not_modified(request: Request, etag: str) -> bool:
    wanted = request.headers.get("if-none-match")
    if not wanted:
        return False
    return wanted.strip() == "*" or etag in [t.strip() for t in wanted.split(",")]


def blob_response(
    request: Request, storage: Storage, entry: VersionFile, *, immutable: bool
) -> Response:
    etag = f'"{entry.blob_sha256}"'
    headers = {
        "etag": etag,
        # a named published version never changes; "latest" and drafts do
        "cache-control": "public, max-age=31536000, immutable" if immutable else "no-cache",
        **PACKAGE_HEADERS,
    }
    if not_modified(request, etag):
        return Response(status_code=304, headers=headers)
    media_type, disposition = presentation(entry.media_type)
    headers["content-disposition"] = content_disposition(disposition, entry.path.rsplit("/")[-1])
    if request.method == "GET" and isinstance(storage, S3Storage):
        # the bytes from S3 itself (its own origin: nothing there runs with a hub login)
        url = storage.download_url(
            entry.blob_sha256, media_type=media_type, disposition=headers["content-disposition"]
        )
        if url is not None:
            return RedirectResponse(url, status_code=302, headers={"cache-control": "no-store"})
    local = storage.local_path(entry.blob_sha256)
    if local is not None:
        return BlobFileResponse(local, media_type=media_type, headers=headers)
    return _streamed(request, storage, entry, media_type, headers)


def zip_headers(etag: str, filename: str) -> dict[str, str]:
    """The headers of a package zip (always a download)."""
    return {
        "etag": etag,
        "content-disposition": content_disposition("attachment", filename),
        "cache-control": "no-cache",
        **PACKAGE_HEADERS,
    }


def _streamed(
    request: Request,
    storage: Storage,
    entry: VersionFile,
    media_type: str,
    headers: dict[str, str],
) -> Response:
    """For backends without local files: one byte range at most, as clients ask for."""
    headers["accept-ranges"] = "bytes"
    size = entry.size
    start, end, status = 0, size, 200
    match = _RANGE.match(request.headers.get("range", "").strip())
    if match and request.headers.get("if-range", headers["etag"]) == headers["etag"]:
        first, last = match.groups()
        if first:
            start, end = int(first), min(size, int(last) + 1) if last else size
        elif last:
            start, end = max(0, size - int(last)), size
        if start >= size or start >= end:
            refused = {"content-range": f"bytes */{size}", **PACKAGE_HEADERS}
            return Response(status_code=416, headers=refused)
        status = 206
        headers["content-range"] = f"bytes {start}-{end - 1}/{size}"
    headers["content-length"] = str(end - start)
    if request.method == "HEAD":
        return Response(status_code=status, media_type=media_type, headers=headers)
    return StreamingResponse(
        storage.iter_bytes(entry.blob_sha256, start, end),
        status_code=status,
        media_type=media_type,
        headers=headers,
    )
