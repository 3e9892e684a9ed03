"""A zip of a version's files, produced while it is sent (no temporary file, flat memory)."""

from __future__ import annotations

import zipfile
from collections.abc import Iterable, Iterator
from datetime import datetime

from modelhub.downloads.service import ZipEntry
from modelhub.storage.base import Storage

ZIP64_FROM = 2**31


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
