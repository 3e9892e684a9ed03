"""A zip of a version's files, produced while it is sent (no temporary file, flat memory)."""

from __future__ import annotations

import zipfile
from collections.abc import Iterable, Iterator
from datetime import datetime

from modelhub.downloads.service import ZipEntry
from modelhub.storage.base import Storage

ZIP64_FROM = 2**31
# below these, ``stream_zip`` writes no ZIP64 record at all and its size follows from the entries
_PLAIN_ZIP_BYTES = 2**31 - 1
_PLAIN_ZIP_ENTRIES = 2**16 - 1
# per entry: the local header, the data descriptor (the stream cannot seek back to fill in the
# sizes), the central directory record; and the end record once
_LOCAL, _DESCRIPTOR, _CENTRAL, _END = 30, 16, 46, 22


class _Sink:
    """A write-only, unseekable stream collecting what zipfile writes until we yield it."""

    def __init__(self) -> None:
        self.parts: list[bytes] = []
        self.position = 0

    def write(self, data: bytes) -> int:
        self.parts.append(bytes(data))
        self.position += len(data)
        return len(data)

    def tell(self) -> int:
        return self.position

    def flush(self) -> None:
        return None

    def drain(self) -> bytes:
        out = b"".join(self.parts)
        self.parts.clear()
        return out


def zip_size(files: Iterable[ZipEntry]) -> int | None:
    """The exact length of what ``stream_zip`` yields for ``files``, or None for a zip that
    needs ZIP64 records (2 GiB and more, or 65,535 entries and more): its length is not worked
    out here, and that zip is sent without a Content-Length."""
    total, count = _END, 0
    for entry in files:
        # the name as the zip stores it: ASCII where it can be, UTF-8 (flagged) otherwise
        name = zipfile.ZipInfo(entry.path).filename
        try:
            name_bytes = len(name.encode("ascii"))
        except UnicodeEncodeError:
            name_bytes = len(name.encode("utf-8"))
        total += _LOCAL + _DESCRIPTOR + _CENTRAL + 2 * name_bytes + entry.size
        count += 1
    if total >= _PLAIN_ZIP_BYTES or count >= _PLAIN_ZIP_ENTRIES:
        return None
    return total


def stream_zip(storage: Storage, files: Iterable[ZipEntry], stamp: datetime) -> Iterator[bytes]:
    """Yield the bytes of a zip holding ``files``. Entries are stored uncompressed (weights do
    not compress) with a fixed timestamp, so the same version always gives the same bytes."""
    sink = _Sink()
    date_time = (max(stamp.year, 1980), stamp.month, stamp.day, stamp.hour, stamp.minute, 0)
    with zipfile.ZipFile(sink, mode="w", compression=zipfile.ZIP_STORED) as archive:  # type: ignore[call-overload]
        for entry in files:
            info = zipfile.ZipInfo(entry.path, date_time=date_time)
            info.compress_type = zipfile.ZIP_STORED
            info.external_attr = 0o644 << 16
            with archive.open(info, mode="w", force_zip64=entry.size >= ZIP64_FROM) as dst:
                for chunk in storage.iter_bytes(entry.blob_sha256):
                    dst.write(chunk)
                    if sink.position and len(sink.parts) >= 4:
                        yield sink.drain()
            yield sink.drain()
    yield sink.drain()
