"""The ``Storage`` protocol: content-addressed blobs, addressed by their sha256."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO, Protocol, runtime_checkable

CHUNK = 1024 * 1024

Claim = Callable[[str, int], None]
"""Called with (sha256, size) before a backend relies on bytes it already holds (instead of
writing them): the caller commits its claim on the content, which a concurrent gc respects
(``maintenance.s3gc``). Backends whose gc needs no claim (local files) never call it."""


@dataclass(frozen=True)
class StoredBlob:
    """What storing some bytes produced; ``created`` is False when the content was already there."""

    sha256: str
    size: int
    created: bool


class BlobMissing(Exception):
    """The storage holds no blob with this sha256."""


@runtime_checkable
class Storage(Protocol):
    """Blob storage. Writes are atomic (no partial blob is ever visible) and de-duplicated."""

    def put_stream(self, chunks: Iterator[bytes], *, claim: Claim | None = None) -> StoredBlob:
        """Store bytes from an iterator of chunks, hashing while writing (memory stays flat).
        ``claim``: see ``Claim``."""
        ...

    def put_file(
        self,
        path: Path,
        *,
        sha256: str | None = None,
        move: bool = False,
        claim: Claim | None = None,
    ) -> StoredBlob:
        """Store the content of a local file. ``sha256``, when the caller computed it while
        writing the file, spares a second read; ``move`` lets the backend take the file over
        (the caller must not use it afterwards)."""
        ...

    def exists(self, sha256: str) -> bool: ...

    def size(self, sha256: str) -> int: ...

    def open(self, sha256: str) -> BinaryIO:
        """Open the blob for reading; raises ``BlobMissing``."""
        ...

    def iter_bytes(self, sha256: str, start: int = 0, end: int | None = None) -> Iterator[bytes]:
        """Yield the bytes ``start..end`` (end exclusive, None for all) in chunks."""
        ...

    def local_path(self, sha256: str) -> Path | None:
        """A local file with the blob's bytes when the backend has one (lets the web server send it
        directly), else None."""
        ...

    def delete(self, sha256: str) -> None:
        """Remove a blob (no error when absent)."""
        ...
