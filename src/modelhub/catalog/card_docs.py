"""A version's documentation (its ``documentation`` markdown file), rendered for the card.

Links and images that point into the package resolve to this version's own file URLs; targets
outside the package (``../../etc/passwd``) or naming files it does not have lose their link.
Images from outside the hub become plain links (the page may load nothing from outside)."""

from __future__ import annotations

import posixpath
from collections.abc import Callable, Collection
from urllib.parse import unquote

from modelhub.catalog.models import ResourceVersion
from modelhub.storage.base import BlobMissing, Storage
from modelhub.web.markdown import Resolver, is_external, render_markdown

MAX_DOCUMENTATION_BYTES = 1024 * 1024  # more is not documentation people read on a page
# the card puts the documentation under its own <h2>: the README's "# Title" becomes an <h3>
HEADING_OFFSET = 2


def package_path(raw: object, *, folder: str = "") -> str | None:
    """The package path ``raw`` names, relative to ``folder``; None for URLs, empty names and
    anything that climbs out of the package."""
    if not isinstance(raw, str) or not raw.strip() or is_external(raw.strip()):
        return None
    text = unquote(raw.strip())
    joined = text.lstrip("/") if text.startswith("/") else posixpath.join(folder, text)
    path = posixpath.normpath(joined)
    if path in (".", "..") or path.startswith(("../", "/")):
        return None
    return path


def resolver(folder: str, paths: Collection[str], file_url: Callable[[str], str]) -> Resolver:
    """Resolves link targets written in a document inside ``folder`` of the package."""

    def resolve(target: str) -> str | None:
        location, _, fragment = target.partition("#")
        path = package_path(location.split("?", 1)[0], folder=folder)
        if path is None or path not in paths:
            return None
        return file_url(path) + (f"#{fragment}" if fragment else "")

    return resolve


def documentation_html(
    version: ResourceVersion, storage: Storage, file_url: Callable[[str], str]
) -> str | None:
    """The rendered documentation, or None when the version has none (or it cannot be read)."""
    path = package_path(version.rdf.get("documentation"))
    files = {f.path: f for f in version.files}
    entry = files.get(path) if path else None
    if entry is None:
        return None
    try:
        with storage.open(entry.blob_sha256) as stream:
            data = stream.read(MAX_DOCUMENTATION_BYTES + 1)
    except (BlobMissing, OSError):
        return None
    text = data[:MAX_DOCUMENTATION_BYTES].decode("utf-8", errors="replace")
    if len(data) > MAX_DOCUMENTATION_BYTES:
        text += "\n\n*(The documentation is longer; download the file to read all of it.)*\n"
    resolve = resolver(posixpath.dirname(entry.path), files.keys(), file_url)
    return render_markdown(text, resolve=resolve, heading_offset=HEADING_OFFSET)
