"""What the hub asks of a package beyond bioimageio.spec, which only warns about these: a
description text in words (cards and search need it), and one description file read (the
others named in a warning)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from modelhub.errors import ErrorDetail
from modelhub.uploads.archive import PackageFile, is_description_name


def ignored_descriptions(files: list[PackageFile], name: str) -> list[ErrorDetail]:
    """Warnings naming the other top-level description files, which are not read."""
    return [
        ErrorDetail(
            ("package", f.path),
            f"'{f.path}' is a second description file and is ignored: like bioimageio.spec, "
            f"the hub reads '{name}'. Please remove the one you do not mean.",
        )
        for f in files
        if "/" not in f.path and is_description_name(f.path) and f.path != name
    ]


def hub_rule_problems(raw: Mapping[str, Any]) -> list[ErrorDetail]:
    """What the hub asks of a description beyond the library (which only warns about these): a
    catalog card and search need a description of the resource in words."""
    text = raw.get("description")
    if isinstance(text, str) and not text.strip():
        return [
            ErrorDetail(
                ("description",),
                "description: is empty. Please describe in a sentence or two what this "
                "resource does (its card shows it and search reads it).",
            )
        ]
    return []
