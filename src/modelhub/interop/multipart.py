"""PUT bodies of the bioimage.io upload client: the file's bytes, from a raw body or from a
multipart/form-data body with one file part. The client sends the multipart body with an
*empty* Content-Type, so the boundary is read from the body's first line (strictly: a boundary
line, part headers with a form-data Content-Disposition, the closing boundary)."""

from __future__ import annotations

import hashlib
import re
from collections.abc import AsyncIterator
from pathlib import Path

import anyio

from modelhub.errors import ErrorDetail, UploadRefused
from modelhub.uploads.archive import PackageFile
from modelhub.uploads.messages import human_size, too_large

MAX_PART_HEADER = 16 * 1024
_BOUNDARY = re.compile(rb"[0-9A-Za-z'()+_,\-./:=? ]{0,69}[0-9A-Za-z'()+_,\-./:=?]")
_HEADER_LINE = re.compile(rb"[!#$%&'*+\-.^_`|~0-9A-Za-z]+:[^\r\n]*")
_BOUNDARY_PARAM = re.compile(r';\s*boundary=(?:"([^"]*)"|([^;\s]+))', re.IGNORECASE)


def malformed(message: str) -> UploadRefused:
    return UploadRefused(
        message + " Send the file as the raw body, or as multipart/form-data with one file part.",
        [ErrorDetail(("body",), message)],
        code="malformed_multipart",
        status_code=400,
    )


class PartExtractor:
    """Feed a PUT body chunk by chunk; get back the file's bytes. Memory stays bounded.

    The body is the file itself (raw), or a multipart/form-data body with exactly one part:
    first line ``--<boundary>``, a ``Content-Disposition: form-data`` part header, the bytes,
    ``--<boundary>--``. The boundary comes from the Content-Type header, or, when that is empty,
    missing or ``application/octet-stream``, from the body's first line: a body is taken as
    multipart when it starts with a boundary line followed by header lines that include a
    Content-Disposition; anything else is raw. A body that is multipart is parsed strictly.
    """

    def __init__(self, content_type: str | None) -> None:
        mime, _, params = (content_type or "").partition(";")
        mime = mime.strip().lower()
        self._buf = bytearray()
        self._boundary: bytes | None = None
        if mime == "multipart/form-data":
            match = _BOUNDARY_PARAM.search(";" + params)
            value = (match.group(1) or match.group(2)) if match else ""
            if not _BOUNDARY.fullmatch(value.encode("latin-1", "replace")):
                raise malformed("The Content-Type names no valid multipart boundary.")
            self._boundary = value.encode("latin-1")
            self._state = "first"
        elif mime.startswith("multipart/"):
            raise malformed(f"A '{mime}' body cannot be read.")
        elif mime in ("", "application/octet-stream"):
            self._state = "sniff"
        else:
            self._state = "raw"

    @property
    def is_multipart(self) -> bool:
        return self._boundary is not None

    def feed(self, chunk: bytes) -> bytes:
        """The file bytes that ``chunk`` completes (possibly none yet)."""
        if self._state == "raw":
            return chunk
        self._buf += chunk
        return self._step(final=False)

    def finish(self) -> bytes:
        """The last file bytes; refuses a multipart body that did not end properly."""
        out = b"" if self._state == "raw" else self._step(final=True)
        if self._state not in ("raw", "closed") or (
            self._state == "closed" and bytes(self._buf) not in (b"", b"\r\n")
        ):
            raise malformed(
                "The multipart body ended before its closing boundary line '--<boundary>--'."
            )
        return out

    def _step(self, *, final: bool) -> bytes:
        out = bytearray()
        while True:
            before = (self._state, len(self._buf))
            if self._state == "sniff":
                self._sniff(final=final)
            elif self._state == "raw":
                out += self._buf
                self._buf.clear()
            elif self._state == "first":
                self._first_line(final=final)
            elif self._state == "headers":
                self._headers()
            elif self._state == "body":
                out += self._body()
            elif self._state == "after":
                self._after(final=final)
            elif self._state == "closed" and bytes(self._buf) not in (b"", b"\r", b"\r\n"):
                raise malformed("The multipart body has data after its closing boundary.")
            if (self._state, len(self._buf)) == before:
                return bytes(out)

    def _sniff(self, *, final: bool) -> None:
        buf = bytes(self._buf[: MAX_PART_HEADER + 80])
        end = buf.find(b"\r\n", 0, 76)
        if not b"--".startswith(buf[:2]) or (end < 0 and (len(buf) >= 76 or final)):
            self._state = "raw"
            return
        if end < 0 or not _BOUNDARY.fullmatch(buf[2:end]):
            self._state = "raw" if end >= 0 or final else "sniff"
            return
        block_end = buf.find(b"\r\n\r\n", end)
        complete = buf[end + 2 : block_end if block_end >= 0 else buf.rfind(b"\r\n") + 2]
        lines = [line for line in complete.split(b"\r\n") if line]
        if not all(_HEADER_LINE.fullmatch(line) for line in lines):
            self._state = "raw"
        elif any(line.lower().startswith(b"content-disposition:") for line in lines):
            self._boundary = buf[2:end]
            self._state = "first"
        elif block_end >= 0 or final or len(buf) > MAX_PART_HEADER + 76:
            self._state = "raw"

    def _first_line(self, *, final: bool) -> None:
        if self._boundary is None:
            raise RuntimeError("multipart: a part is read before its boundary is known")
        line = b"--" + self._boundary + b"\r\n"
        if len(self._buf) < len(line) and not final and line.startswith(bytes(self._buf)):
            return
        if not self._buf.startswith(line):
            raise malformed("The multipart body does not start with its boundary line.")
        del self._buf[: len(line)]
        self._state = "headers"

    def _headers(self) -> None:
        end = self._buf.find(b"\r\n\r\n")
        if end < 0:
            if len(self._buf) > MAX_PART_HEADER:
                raise malformed("The multipart part's header is too long.")
            return
        block = bytes(self._buf[:end])
        del self._buf[: end + 4]
        found: dict[bytes, bytes] = {}
        for line in block.split(b"\r\n"):
            if not _HEADER_LINE.fullmatch(line):
                raise malformed("The multipart part has an ill-formed header line.")
            name, _, value = line.partition(b":")
            if name.lower() in found:
                raise malformed(f"The multipart part repeats its {name.decode()} header.")
            found[name.lower()] = value.strip()
        disposition = found.get(b"content-disposition", b"").split(b";")[0].strip().lower()
        if disposition != b"form-data":
            raise malformed("The multipart part needs a 'Content-Disposition: form-data' header.")
        encoding = found.get(b"content-transfer-encoding", b"binary").lower()
        if encoding not in (b"binary", b"8bit", b"7bit"):
            raise malformed("The multipart part is encoded; send the bytes as they are.")
        self._state = "body"

    def _body(self) -> bytes:
        if self._boundary is None:
            raise RuntimeError("multipart: a part is read before its boundary is known")
        delimiter = b"\r\n--" + self._boundary
        at = self._buf.find(delimiter)
        if at >= 0:
            data = bytes(self._buf[:at])
            del self._buf[: at + len(delimiter)]
            self._state = "after"
            return data
        keep = len(delimiter) - 1  # a delimiter may start in this chunk and end in the next
        data = bytes(self._buf[: max(0, len(self._buf) - keep)])
        del self._buf[: len(data)]
        return data

    def _after(self, *, final: bool) -> None:
        if len(self._buf) < 2 and not final:
            return
        if self._buf.startswith(b"--"):
            del self._buf[:2]
            self._state = "closed"
        elif self._buf.startswith(b"\r\n"):
            raise malformed("The multipart body has more than one part; send one file per PUT.")
        elif b"--".startswith(bytes(self._buf)):
            raise malformed("The multipart body ended before its closing boundary line.")
        else:
            raise malformed("The multipart body has an ill-formed boundary line.")


async def write_body(
    chunks: AsyncIterator[bytes], extractor: PartExtractor, target: Path, limit: int
) -> PackageFile:
    """Stream the file carried by a body into ``target`` (hashing it), at most ``limit`` bytes."""
    digest = hashlib.sha256()
    size = 0
    try:
        async with await anyio.open_file(target, "wb") as out:
            async for chunk in chunks:
                data = extractor.feed(chunk)
                size += len(data)
                if size > limit:
                    raise too_large(f"This upload may hold {human_size(limit)} more.")
                digest.update(data)
                await out.write(data)
            data = extractor.finish()
            size += len(data)
            if size > limit:
                raise too_large(f"This upload may hold {human_size(limit)} more.")
            digest.update(data)
            await out.write(data)
    except BaseException:
        target.unlink(missing_ok=True)
        raise
    return PackageFile(path=target.name, size=size, sha256=digest.hexdigest())
