"""Reading the upload wizard's forms: how its package form differs from the API's (the package
itself is received by ``receive.receive_package``), the fix form's fields and added cover."""

from __future__ import annotations

import re
from pathlib import Path

from starlette.datastructures import FormData, UploadFile

from modelhub.uploads import messages, receive
from modelhub.uploads.archive import UnpackLimits
from modelhub.uploads.fields import AUTHOR_FIELDS, CITE_FIELDS, AuthorRow, CiteRow, FixValues

MAX_ROWS = 100
_ROW = re.compile(r"(authors|cite)-(\d{1,3})-([a-z_]+)")
# the wizard receives a chosen folder (its top-level directory is not part of the package)
WIZARD = receive.Surface(
    raw_body=False,
    strip_top_folder=True,
    no_package="No package was chosen. Choose a .zip file or a folder to upload.",
    ambiguous=(
        "Choose either one package .zip file, the folder holding rdf.yaml and its files, or the"
        " URL of a package zip or an rdf.yaml."
    ),
)


def text(form: FormData, name: str, limit: int = 100_000) -> str:
    value = form.get(name)
    return value[:limit] if isinstance(value, str) else ""


async def save_cover(part: UploadFile, target: Path, limits: UnpackLimits) -> None:
    """Receive the image added in the fix form. The form's body is already under
    ``max_upload_bytes``; the image joins the unpacked package, so it is also kept under
    ``max_unpacked_bytes`` (413 ``too_large``, as for a package that unpacks to more)."""
    limit = limits.max_unpacked_bytes
    refusal = messages.too_large(f"The added cover is larger than {messages.human_size(limit)}.")
    await receive.save_part(part, target, limit=limit, refusal=refusal)


def fix_values(form: FormData) -> FixValues:
    """The fix form's fields; author and citation rows come as ``authors-<i>-<field>``."""
    rows: dict[str, dict[int, dict[str, str]]] = {"authors": {}, "cite": {}}
    allowed = {"authors": AUTHOR_FIELDS, "cite": CITE_FIELDS}
    for key, value in form.multi_items():
        match = _ROW.fullmatch(key)
        if match is None or not isinstance(value, str):
            continue
        group, index, field = match[1], int(match[2]), match[3]
        if index < MAX_ROWS and field in allowed[group]:
            rows[group].setdefault(index, {})[field] = value[:2000]
    return FixValues(
        name=text(form, "name", 1000),
        description=text(form, "description", 10_000),
        tags=text(form, "tags", 5000),
        license=text(form, "license", 200),
        authors=[AuthorRow(**rows["authors"][i]) for i in sorted(rows["authors"])],
        cite=[CiteRow(**rows["cite"][i]) for i in sorted(rows["cite"])],
        covers=[v for v in form.getlist("covers") if isinstance(v, str) and v][:50],
        documentation=text(form, "documentation", 1000),
        documentation_text=text(form, "documentation_text", 1_000_000),
    )
