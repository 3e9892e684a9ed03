"""The images of a partner's appearance, worker side (no database): each of ``logo``, ``icon``
and ``background_image`` of the collection's ``config`` is an emoji (kept as text) or the
address of an image, which is fetched through the hub's one safe fetcher, checked by its first
bytes (PNG, JPEG, GIF, WebP or SVG, at most ``MAX_IMAGE_BYTES``) and put into the blob storage.

The result is plain, picklable values: the hub side (``appearance.store_appearance``) records
the blobs with the partner in the sync's transaction. A blob stored here whose sync never
commits is an orphan that ``gc`` removes after its grace period."""

from __future__ import annotations

import dataclasses
import re
import tempfile
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx

from modelhub.fetch.client import Fetched, fetch
from modelhub.fetch.errors import FetchError
from modelhub.fetch.policy import FetchPolicy
from modelhub.storage.base import Storage

IMAGE_FIELDS = ("logo", "icon", "background_image")
MAX_IMAGE_BYTES = 2 * 1024 * 1024
MAX_TEXT = 32  # an emoji (flags and families are several code points), or a short sign
_IMAGE_SUFFIXES = (".png", ".jpg", ".jpeg", ".gif", ".webp", ".svg")
SVG = "image/svg+xml"
_SCHEME = re.compile(r"[a-z][a-z0-9+.-]*:")


@dataclass(frozen=True)
class ImageRef:
    """An image copied into the hub's storage."""

    sha256: str
    media_type: str
    size: int
    source_url: str


@dataclass(frozen=True)
class FieldImage:
    """What one field became: ``text`` (an emoji), ``image``, or ``error`` (a plain message
    naming the field: the previous image is then kept)."""

    text: str | None = None
    image: ImageRef | None = None
    error: str | None = None


@dataclass(frozen=True)
class FetchedImages:
    """Per image field present in the ``config``, what it became. Fields left out of the
    ``config`` are absent here (their stored image is removed)."""

    fields: dict[str, FieldImage] = field(default_factory=dict)


def sniff(head: bytes) -> str | None:
    """The image type that the first bytes of a file show, or None when it is no image the
    hub shows (checked on the bytes: the server's ``Content-Type`` is not trusted)."""
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return "image/png"
    if head.startswith(b"\xff\xd8\xff"):
        return "image/jpeg"
    if head.startswith((b"GIF87a", b"GIF89a")):
        return "image/gif"
    if head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        return "image/webp"
    if b"\x00" in head:
        return None
    text = head.decode("utf-8", errors="ignore").lstrip("\ufeff \t\r\n").lower()
    if text.startswith("<") and "<svg" in text:
        return SVG
    return None


def image_address(value: str, base_url: str) -> str | None:
    """The absolute address ``value`` names (absolute, or relative to the collection's
    address), or None when ``value`` is text (an emoji)."""
    lowered = value.lower()
    if _SCHEME.match(lowered):
        return value  # absolute (data:, javascript:… are refused by the fetcher's URL rules)
    if "/" in value or lowered.endswith(_IMAGE_SUFFIXES):
        return str(httpx.URL(base_url).join(value))
    return None


def fetch_images(
    config: Mapping[str, Any], *, base_url: str, policy: FetchPolicy, storage: Storage
) -> FetchedImages:
    """Fetch the images of ``config`` (``logo``, ``icon``, ``background_image``) into
    ``storage``; emoji stay text. A broken image is an ``error`` for its field, never an
    exception: the sync goes on and the previous image is kept."""
    limited = dataclasses.replace(policy, max_bytes=min(policy.max_bytes, MAX_IMAGE_BYTES))
    found: dict[str, FieldImage] = {}
    with tempfile.TemporaryDirectory(prefix="partner-images-") as scratch:
        for name in IMAGE_FIELDS:
            if name not in config or config[name] is None:
                continue
            found[name] = _one(name, config[name], base_url, limited, storage, Path(scratch) / name)
    return FetchedImages(fields=found)


def _one(
    name: str, value: Any, base_url: str, policy: FetchPolicy, storage: Storage, dest: Path
) -> FieldImage:
    where = f"config.{name}"
    if not isinstance(value, str) or not value.strip():
        return FieldImage(error=f"{where}: give an emoji or the address of an image.")
    value = value.strip()
    try:
        address = image_address(value, base_url)
    except httpx.InvalidURL as exc:
        return FieldImage(error=f"{where}: '{value[:200]}' is not a valid address ({exc}).")
    if address is None:
        if len(value) > MAX_TEXT:
            return FieldImage(
                error=f"{where}: text is at most {MAX_TEXT} characters (an emoji); give the "
                "address of an image otherwise."
            )
        return FieldImage(text=value)
    try:
        got = fetch(address, dest=dest, policy=policy)
    except FetchError as exc:
        return FieldImage(error=f"{where}: {exc.message}")
    if not isinstance(got, Fetched):  # pragma: no cover - no conditional request was made
        return FieldImage(error=f"{where}: the server sent no image.")
    with got.path.open("rb") as src:
        media_type = sniff(src.read(1024))
    if media_type is None:
        got.path.unlink(missing_ok=True)
        return FieldImage(
            error=f"{where}: {address[:200]} is not a PNG, JPEG, GIF, WebP or SVG image."
        )
    stored = storage.put_file(got.path, sha256=got.sha256, move=True)
    return FieldImage(
        image=ImageRef(
            sha256=stored.sha256, media_type=media_type, size=stored.size, source_url=got.url
        )
    )
