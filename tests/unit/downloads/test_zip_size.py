"""The package zip's length is known before it streams (sent as its Content-Length)."""

from __future__ import annotations

import io
import zipfile
from datetime import UTC, datetime
from pathlib import Path

from modelhub.downloads.service import ZipEntry
from modelhub.downloads.zipstream import stream_zip, zip_size
from modelhub.storage.local import LocalStorage


def test_the_length_worked_out_ahead_is_the_length_streamed(tmp_path: Path) -> None:
    storage = LocalStorage(tmp_path)
    contents = {
        "rdf.yaml": b"name: x\n",
        "empty.txt": b"",
        "données/échantillon ø.npy": bytes(range(256)) * 300,  # UTF-8 names, a folder
        "weights/模型.pt": b"\x00" * 70_000,
    }
    entries = []
    for path, data in contents.items():
        blob = storage.put_stream(iter([data]))
        entries.append(ZipEntry(path, blob.sha256, blob.size))
    body = b"".join(stream_zip(storage, entries, datetime(2026, 1, 2, 3, 4, tzinfo=UTC)))
    assert zip_size(entries) == len(body)
    with zipfile.ZipFile(io.BytesIO(body)) as archive:
        assert {n: archive.read(n) for n in archive.namelist()} == contents
    assert zip_size([]) == len(b"".join(stream_zip(storage, [], datetime(2026, 1, 1, tzinfo=UTC))))


def test_a_zip_that_needs_zip64_records_has_no_length_ahead() -> None:
    assert zip_size([ZipEntry("weights.pt", "0" * 64, 2**31)]) is None
    assert zip_size([ZipEntry(f"{i}.txt", "0" * 64, 0) for i in range(2**16)]) is None
