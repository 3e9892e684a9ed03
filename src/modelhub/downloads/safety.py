"""How package bytes are presented to a browser: never as something that runs on the hub.

Any member can upload a package, and a package may hold an HTML page, a script or an SVG
image with a script inside. Served from the hub's origin as what they claim to be, opened by a
reviewer or an admin, they would run with that person's login. So every answer that carries
package bytes (single files, the package zip, drafts and published versions alike):

- is shown inline only when it is inert: PNG, JPEG, GIF and WebP images, and text, which is
  always sent as ``text/plain`` (a README, rdf.yaml, a Python file); anything else is a
  download (``Content-Disposition: attachment``);
- is never sent with a type a browser executes as a subresource: a package's ``.js`` or
  ``.css`` becomes ``application/octet-stream``, which ``nosniff`` forbids as a script or a
  stylesheet even inside a page of the hub;
- keeps ``image/svg+xml`` for SVG, as a download: an ``<img>`` on the hub's pages shows it
  (images never run script), while opening its address downloads it;
- carries ``Content-Security-Policy: sandbox`` with nothing allowed to load, ``nosniff`` and
  ``X-Frame-Options: DENY``: even a browser that rendered the bytes as a page would give
  them an opaque origin without script, and no page may frame them.
"""

from __future__ import annotations

from typing import Literal
from urllib.parse import quote

# GitHub's user-content policy, plus frame-ancestors: the synthesised page a browser shows
# around an image or text may style itself, nothing may run, load or frame
PACKAGE_CSP = "default-src 'none'; style-src 'unsafe-inline'; sandbox; frame-ancestors 'none'"
PACKAGE_HEADERS: dict[str, str] = {
    "content-security-policy": PACKAGE_CSP,
    "x-content-type-options": "nosniff",
    "x-frame-options": "DENY",
}
# an application's web page (``downloads.apps``), the one kind of package bytes that runs:
# scripts only, in an opaque origin (never ``allow-same-origin``), framed by the hub's pages
APP_SANDBOX = "sandbox allow-scripts"
TEXT = "text/plain; charset=utf-8"
BINARY = "application/octet-stream"

INLINE_IMAGES = frozenset({"image/png", "image/jpeg", "image/gif", "image/webp"})
# text people read in the browser; sent as text/plain whatever it is
INLINE_TEXT = frozenset(
    {
        "text/plain",
        "text/markdown",
        "text/x-python",
        "text/csv",
        "text/tab-separated-values",
        "application/yaml",
        "application/x-yaml",
        "text/yaml",
        "application/json",
    }
)
# downloads that keep their own type: inert formats, and SVG for the hub's <img> tags
DOWNLOAD_TYPES = frozenset(
    {
        "image/svg+xml",
        "image/tiff",
        "image/bmp",
        "application/zip",
        "application/x-hdf5",
        "application/x-ipynb+json",
        "application/pdf",
        BINARY,
    }
)

Disposition = Literal["inline", "attachment"]


def presentation(media_type: str) -> tuple[str, Disposition]:
    """The ``Content-Type`` and disposition to serve a file stored as ``media_type`` with."""
    essence = media_type.split(";", 1)[0].strip().lower()
    if essence in INLINE_IMAGES:
        return essence, "inline"
    if essence in INLINE_TEXT:
        return TEXT, "inline"
    if essence in DOWNLOAD_TYPES:
        return essence, "attachment"
    # HTML, scripts, stylesheets, XML and whatever we do not know: bytes to save
    return BINARY, "attachment"


def content_disposition(kind: Disposition, filename: str) -> str:
    """``inline; filename="a.png"``; names beyond plain ASCII (or with quotes) are encoded the
    RFC 6266 way, so that no file name can break out of the header."""
    if filename.isascii() and filename.isprintable() and not {'"', "\\"} & set(filename):
        return f'{kind}; filename="{filename}"'
    return f"{kind}; filename*=utf-8''{quote(filename, safe='')}"
