"""The upload wizard's form: which problems belong to which field, the form's values read
from a description, and a description rebuilt from the form (every other field untouched)."""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from functools import cache
from typing import Any

import yaml
from bioimageio.spec.utils import get_spdx_licenses
from pydantic import BaseModel

from modelhub.uploads.messages import dotted
from modelhub.uploads.schemas import Problem

FORM_FIELDS = ("name", "description", "tags", "license", "authors", "cite", "covers",
               "documentation")  # fmt: skip
AUTHOR_FIELDS = ("name", "affiliation", "github_user", "orcid")
CITE_FIELDS = ("text", "doi", "url")
ROW_FIELDS: dict[str, tuple[str, ...]] = {"authors": AUTHOR_FIELDS, "cite": CITE_FIELDS}
IMAGE_SUFFIXES = (".png", ".jpg", ".jpeg", ".gif", ".svg")
COMMON_LICENSES = ("CC-BY-4.0", "MIT", "BSD-3-Clause", "BSD-2-Clause", "Apache-2.0", "CC0-1.0",
                   "GPL-3.0-only", "CC-BY-SA-4.0", "CC-BY-NC-4.0")  # fmt: skip


class AuthorRow(BaseModel):
    name: str = ""
    affiliation: str = ""
    github_user: str = ""
    orcid: str = ""


class CiteRow(BaseModel):
    text: str = ""
    doi: str = ""
    url: str = ""


class FixValues(BaseModel):
    """What the wizard's form holds (tags as one comma-separated text)."""

    name: str = ""
    description: str = ""
    tags: str = ""
    license: str = ""
    authors: list[AuthorRow] = []
    cite: list[CiteRow] = []
    covers: list[str] = []
    documentation: str = ""
    documentation_text: str = ""


class LicenseChoice(BaseModel):
    id: str
    name: str


@cache
def license_choices() -> tuple[LicenseChoice, ...]:
    """The SPDX ids the bioimage.io format accepts (the list shipped with bioimageio.spec,
    without deprecated ids), common ones first."""
    entries = get_spdx_licenses()["licenses"]
    valid = {e["licenseId"]: e["name"] for e in entries if not e["isDeprecatedLicenseId"]}
    common = [LicenseChoice(id=i, name=valid[i]) for i in COMMON_LICENSES if i in valid]
    rest = [
        LicenseChoice(id=i, name=n) for i, n in sorted(valid.items()) if i not in COMMON_LICENSES
    ]
    return (*common, *rest)


# ------------------------------------------------------------------ problems → fields


def field_key(loc: Sequence[str | int]) -> str | None:
    """The form field a problem concerns (``authors-0-orcid``, ``license``), or None when
    only a new package can fix it."""
    if not loc or loc[0] not in FORM_FIELDS:
        return None
    head = str(loc[0])
    subfields = ROW_FIELDS.get(head)
    if subfields is None or len(loc) < 2 or not isinstance(loc[1], int):
        return head
    if len(loc) >= 3 and loc[2] in subfields:
        return f"{head}-{loc[1]}-{loc[2]}"
    return f"{head}-{loc[1]}"


def inline_message(loc: Sequence[str | int], msg: str) -> str:
    """The message without its location prefix: it is shown next to its field."""
    prefix = f"{dotted(loc)}: "
    text = msg[len(prefix) :] if loc and msg.startswith(prefix) else msg
    return text[:1].upper() + text[1:]


def split_problems(problems: Iterable[Problem]) -> tuple[dict[str, list[str]], list[Problem]]:
    """(messages per form field, problems that need a new package)."""
    inline: dict[str, list[str]] = {}
    package: list[Problem] = []
    for problem in problems:
        key = field_key(problem.loc)
        if key is None:
            package.append(problem)
        else:
            inline.setdefault(key, []).append(inline_message(problem.loc, problem.msg))
    return inline, package


# ------------------------------------------------------------------ description ↔ form


def _text(value: Any) -> str:
    if value is None or isinstance(value, dict | list):
        return ""
    return str(value)


def _row_values(entries: Any, fields: tuple[str, ...]) -> list[dict[str, str]]:
    rows = entries if isinstance(entries, list) else []
    out = []
    for entry in rows:
        if isinstance(entry, Mapping):
            out.append({f: _text(entry.get(f)) for f in fields})
        else:  # e.g. an author written as plain text: shown as the name to correct
            out.append({fields[0]: _text(entry)})
    return out


def values_from_rdf(raw: Mapping[str, Any]) -> FixValues:
    """The form pre-filled from a description (whatever of it is readable)."""
    tags = raw.get("tags")
    covers = raw.get("covers")
    return FixValues(
        name=_text(raw.get("name")),
        description=_text(raw.get("description")),
        tags=", ".join(_text(t) for t in tags) if isinstance(tags, list) else _text(tags),
        license=_text(raw.get("license")),
        authors=[AuthorRow(**r) for r in _row_values(raw.get("authors"), AUTHOR_FIELDS)],
        cite=[CiteRow(**r) for r in _row_values(raw.get("cite"), CITE_FIELDS)],
        covers=[_text(c) for c in covers] if isinstance(covers, list) else [],
        documentation=_text(raw.get("documentation")),
    )


def clean(text: str) -> str:
    return text.replace("\r\n", "\n").strip()


def _set_text(out: dict[str, Any], key: str, value: str) -> None:
    cleaned = clean(value)
    if cleaned:
        out[key] = cleaned
    else:
        out.pop(key, None)  # an emptied field is left out: the format says whether it may be


def _rows(original: Any, rows: Sequence[BaseModel], fields: tuple[str, ...]) -> list[Any]:
    """Row i of the form updates entry i of the description, keeping the entry's other keys
    (an author's e-mail, say); rows left empty are dropped."""
    old = original if isinstance(original, list) else []
    out: list[Any] = []
    for i, row in enumerate(rows):
        values = {f: clean(str(getattr(row, f))) for f in fields}
        if not any(values.values()):
            continue
        entry = dict(old[i]) if i < len(old) and isinstance(old[i], Mapping) else {}
        for key, value in values.items():
            if value:
                entry[key] = value
            else:
                entry.pop(key, None)
        out.append(entry)
    return out


def apply_values(raw: Mapping[str, Any], values: FixValues) -> dict[str, Any]:
    """The description with the form's fields replaced and every other field as it was."""
    out = dict(raw)
    for key in ("name", "description", "license", "documentation"):
        _set_text(out, key, getattr(values, key))
    lists: dict[str, list[Any]] = {
        "tags": [t.strip() for t in values.tags.split(",") if t.strip()],
        "authors": _rows(raw.get("authors"), values.authors, AUTHOR_FIELDS),
        "cite": _rows(raw.get("cite"), values.cite, CITE_FIELDS),
        "covers": list(dict.fromkeys(c for c in values.covers if c)),
    }
    for key, items in lists.items():
        if items or key in raw:  # an absent list stays absent rather than becoming []
            out[key] = items
    return out


def dump_yaml(data: Mapping[str, Any]) -> str:
    """The description as YAML, fields in their order."""
    text: str = yaml.safe_dump(
        dict(data), sort_keys=False, allow_unicode=True, default_flow_style=False, width=100
    )
    return text


def is_image(path: str) -> bool:
    return path.lower().endswith(IMAGE_SUFFIXES)


def is_markdown(path: str) -> bool:
    return re.search(r"\.(md|markdown)$", path, re.IGNORECASE) is not None
