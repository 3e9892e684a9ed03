"""Reading the upload wizard's forms: the package (one zip, or a folder's files) and the
fields of the fix form."""

from __future__ import annotations

import re
from pathlib import Path

import anyio
from starlette.datastructures import FormData, UploadFile

from modelhub.errors import UploadRefused
from modelhub.uploads import receive
from modelhub.uploads.archive import PackageFile, UnpackLimits
from modelhub.uploads.fields import AUTHOR_FIELDS, CITE_FIELDS, AuthorRow, CiteRow, FixValues

MAX_ROWS = 100
_ROW = re.compile(r"(authors|cite)-(\d{1,3})-([a-z_]+)")


def text(form: FormData, name: str, limit: int = 100_000) -> str:
    value = form.get(name)
    return value[:limit] if isinstance(value, str) else ""


def chosen_files(form: FormData, name: str) -> list[UploadFile]:
    """The files of one file input; a form sends an empty part for an input left empty."""
    return [p for p in form.getlist(name) if isinstance(p, UploadFile) and p.filename]


def strip_top_folder(parts: list[UploadFile]) -> None:
    """A chosen folder arrives as ``folder/rdf.yaml``, ``folder/weights.pt``…; the package is
    what is inside the folder."""
    names = [(p.filename or "").replace("\\", "/") for p in parts]
    tops = {n.split("/", 1)[0] for n in names}
    if len(tops) == 1 and all("/" in n for n in names):
        for part, name in zip(parts, names, strict=True):
            part.filename = name.split("/", 1)[1]


async def save_part(part: UploadFile, target: Path, limit: int) -> None:
    size = 0
    async with await anyio.open_file(target, "wb") as out:
        while chunk := await part.read(receive.CHUNK):
            size += len(chunk)
            if size > limit:
                raise receive.too_large(limit)
            await out.write(chunk)


async def receive_package(
    form: FormData, area: Path, limits: UnpackLimits
) -> list[PackageFile] | None:
    """Write the package into ``area`` as the API does: ``area/upload.zip`` (returns None) or
    the folder's files under ``area/pkg`` (returns them)."""
    zips = chosen_files(form, "file")
    parts = chosen_files(form, "files")
    if len(zips) == 1 and not parts:
        await save_part(zips[0], area / "upload.zip", limits.max_upload_bytes)
        return None
    if parts and not zips:
        strip_top_folder(parts)
        (area / "pkg").mkdir()
        return await receive.write_parts(parts, area / "pkg", limits)
    raise UploadRefused(
        "Choose either one package .zip file or the folder holding rdf.yaml and its files."
        if parts or zips
        else "No package was chosen. Choose a .zip file or a folder to upload.",
        code="no_package",
        status_code=400,
    )


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
