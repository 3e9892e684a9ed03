"""Validation of an unpacked package: the hub's rules plus bioimageio.spec, without IO or HTTP.

The steps run in a fixed order so that nothing unsafe reaches a later step: the description is
parsed safely, references outside the package are refused *before* bioimageio.spec sees the
description, the library validates the format with file IO switched off, the hub then checks
the named files against the uploaded ones itself, and finally the test tensors. Independent
problems are reported together: a description the library refuses is refused with its missing
files and wrong hashes as well; only the test tensors, which need the files and a valid
description, are checked after everything else passed.
"""

from __future__ import annotations

import copy
import logging
import re
import zipfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from bioimageio.spec import ValidationContext, build_description
from bioimageio.spec.generic.v0_3 import DeprecatedLicenseId
from bioimageio.spec.summary import ValidationSummary
from bioimageio.spec.utils import identify_bioimageio_yaml_file_name

from modelhub.errors import ErrorDetail, UploadRefused
from modelhub.uploads.archive import (
    DESCRIPTION_NAMES,
    PackageFile,
    UnpackLimits,
    is_description_name,
    scan_directory,
    unpack_zip,
)
from modelhub.uploads.hub_rules import hub_rule_problems, ignored_descriptions
from modelhub.uploads.messages import short, translate_errors, user_loc, warning_detail
from modelhub.uploads.refs import (
    check_named_files,
    find_outside_references,
    named_paths,
    raw_file_problems,
)
from modelhub.uploads.tensors import check_test_tensors
from modelhub.uploads.yamlsafe import parse_description_yaml

__all__ = [
    "DESCRIPTION_NAMES",
    "MAX_DESCRIPTION_BYTES",
    "ValidatedPackage",
    "files_to_fetch",
    "find_description",
    "validate_package",
    "validate_path",
]

MAX_DESCRIPTION_BYTES = 2 * 1024 * 1024
RESOURCE_TYPES = ("model", "dataset", "notebook", "application")
# bioimageio.spec numbers formats per type: models 0.4/0.5, the other types 0.2/0.3
# (both generations belong to the same spec releases).
FORMAT_GENERATIONS = {"model": ("0.4", "0.5")} | {
    t: ("0.2", "0.3") for t in RESOURCE_TYPES if t != "model"
}
log = logging.getLogger(__name__)
_SPDX_HINT = "https://spdx.org/licenses/ (for example CC-BY-4.0, MIT or BSD-2-Clause)"


@dataclass
class ValidatedPackage:
    """A package that passed every check, with what the catalog needs to know about it."""

    root: Path
    description_file: str
    raw: dict[str, Any]
    type: str
    format_version: str
    name: str
    description: str
    tags: list[str]
    license: str | None
    authors: list[dict[str, Any]]
    declared_id: str | None
    files: list[PackageFile]
    referenced_files: list[str]
    summary: dict[str, Any]
    warnings: list[ErrorDetail]


def find_description(files: list[PackageFile]) -> str:
    """The package's description file at its top level; of several, the one bioimageio.spec
    reads: 'rdf.yaml' before 'bioimageio.yaml' before 'model.yaml' (``ignored_descriptions``
    names the others)."""
    found = [f.path for f in files if "/" not in f.path and is_description_name(f.path)]
    if found:
        return str(identify_bioimageio_yaml_file_name(found))
    nested = [f.path for f in files if is_description_name(f.path.rsplit("/", 1)[-1])]
    msg = "The package has no description file: it needs an 'rdf.yaml' or 'bioimageio.yaml'"
    msg += " at its top level" + (f" (found '{nested[0]}' deeper inside)." if nested else ".")
    raise UploadRefused(msg, [ErrorDetail(("package",), msg)], code="missing_description")


def validate_package(
    root: Path, files: list[PackageFile], *, description_file: str | None = None
) -> ValidatedPackage:
    """Run every upload rule on the unpacked package at ``root``; raise ``UploadRefused``.

    ``files`` is what unpacking wrote (names, sizes, hashes). ``description_file`` picks the
    description when the caller knows it; otherwise it is found with ``find_description``.
    """
    name = description_file or find_description(files)
    raw, rtype, format_version, descr, summary, errors, warnings = _described(
        _read_description(root, name, files), root, name
    )
    beyond = hub_rule_problems(raw)
    if errors is not None or beyond:
        raise UploadRefused(
            "The description does not follow the bioimage.io format.",
            [*(errors or []), *beyond, *raw_file_problems(raw, files)],
            code="invalid_description",
        )
    warnings = [*ignored_descriptions(files, name), *warnings]
    referenced = check_named_files(descr, root, name, files, raw)
    tensor_problems = check_test_tensors(descr, root)
    if tensor_problems:
        raise UploadRefused(
            "The test tensors do not fit the model description.",
            tensor_problems,
            code="invalid_test_tensor",
        )
    license_ = getattr(descr, "license", None)
    declared_id = getattr(descr, "id", None)
    return ValidatedPackage(
        root=root,
        description_file=name,
        raw=raw,
        type=rtype,
        format_version=format_version,
        name=str(descr.name),
        description=str(descr.description),
        tags=[str(t) for t in descr.tags],
        license=None if license_ is None else str(license_),
        authors=[a.model_dump(mode="json", exclude_none=True) for a in descr.authors],
        declared_id=None if declared_id is None else str(declared_id),
        files=files,
        referenced_files=referenced,
        summary=_summary_json(summary),
        warnings=warnings,
    )


def files_to_fetch(root: Path, name: str) -> list[str]:
    """The files a lone description at ``root/name`` names, as clean relative paths, for a
    description given by URL whose files are fetched beside it.

    The checks that need no file run first, exactly as in ``validate_package`` (safe YAML, type
    and format version, nothing outside the package, the format itself), so that a bad
    description is refused before anything else is fetched.
    """
    with (root / name).open("rb") as f:
        data = f.read(MAX_DESCRIPTION_BYTES + 1)
    descr = _checked_description(data, root, name)[3]
    return [path for path in named_paths(descr, root, name) if path != name]


def _checked_description(
    data: bytes, root: Path, name: str
) -> tuple[dict[str, Any], str, str, Any, ValidationSummary, list[ErrorDetail]]:
    """The description parsed and validated without its files: (raw, type, format version,
    the library's description, its summary, warnings); ``UploadRefused`` otherwise."""
    raw, rtype, format_version, descr, summary, errors, warnings = _described(data, root, name)
    if errors is not None:
        raise UploadRefused(
            "The description does not follow the bioimage.io format.",
            errors,
            code="invalid_description",
        )
    return raw, rtype, format_version, descr, summary, warnings


def _described(data: bytes, root: Path, name: str) -> tuple[
    dict[str, Any], str, str, Any, ValidationSummary, list[ErrorDetail] | None, list[ErrorDetail]
]:  # fmt: skip
    """As ``_checked_description``, but the format errors are returned (None: no errors) so
    that they can be reported together with the problems of the files."""
    raw = parse_description_yaml(data, max_bytes=MAX_DESCRIPTION_BYTES, file_name=name)
    rtype, format_version = _check_type_and_version(raw)
    _check_id(raw)

    outside = find_outside_references(raw)
    if outside:
        raise UploadRefused(
            "The description names files outside the package. The hub only uses files "
            "that are uploaded with the package.",
            outside,
            code="external_reference",
        )

    descr, summary = _validate_format(raw, root, name)
    errors, warnings = _collect_problems(summary, raw)
    failed = bool(errors) or summary.status == "failed"
    return raw, rtype, format_version, descr, summary, errors if failed else None, warnings


def validate_path(path: Path, staging: Path, limits: UnpackLimits) -> ValidatedPackage:
    """Validate a .zip file, a package folder or a description file with the server's rules.

    The package is first unpacked or copied into the empty folder ``staging`` under the same
    limits as an upload; this is what the offline ``modelhub validate PATH`` runs.
    """
    if not path.exists():
        raise FileNotFoundError(f"There is no file or folder '{path}'.")
    if path.is_dir():
        return validate_package(staging, scan_directory(path, staging, limits))
    if path.is_file() and (path.suffix.lower() == ".zip" or zipfile.is_zipfile(path)):
        return validate_package(staging, unpack_zip(path, staging, limits))
    if path.is_file() and path.suffix.lower() in (".yaml", ".yml"):
        if not is_description_name(path.name):
            raise UploadRefused(
                f"'{path.name}' is not a name a description file may have: use 'rdf.yaml', "
                "'bioimageio.yaml' or a name ending in '.bioimageio.yaml'.",
                code="missing_description",
            )
        files = scan_directory(path.parent, staging, limits)
        return validate_package(staging, files, description_file=path.name)
    raise UploadRefused(
        f"'{path.name}' is neither a .zip file, a package folder nor a description file.",
        code="not_a_zip",
    )


def _read_description(root: Path, name: str, files: list[PackageFile]) -> bytes:
    size = next((f.size for f in files if f.path == name), None)
    if size is None:
        raise UploadRefused(f"The package has no file '{name}'.", code="missing_description")
    with (root / name).open("rb") as f:
        # Never read more than the limit (+1 so that the parser sees the file is too long).
        return f.read(MAX_DESCRIPTION_BYTES + 1)


def _check_type_and_version(raw: dict[str, Any]) -> tuple[str, str]:
    rtype = raw.get("type")
    if rtype not in RESOURCE_TYPES:
        shown = "missing" if rtype is None else f"'{short(rtype)}'"
        msg = f"type: {shown}; the type must be one of {', '.join(RESOURCE_TYPES)}."
        raise UploadRefused(msg, [ErrorDetail(("type",), msg)], code="invalid_description")
    fv = raw.get("format_version")
    generations = FORMAT_GENERATIONS[str(rtype)]
    if not isinstance(fv, str) or not any(
        re.fullmatch(re.escape(g) + r"(\.\d+)?", fv) for g in generations
    ):
        hint = " (write it in quotes, e.g. '0.5.4')" if isinstance(fv, int | float) else ""
        msg = (
            f"format_version: {'missing' if fv is None else repr(fv)}{hint}; "
            f"a {rtype} description must use format version "
            + " or ".join(f"{g}.x" for g in generations)
            + "."
        )
        raise UploadRefused(
            msg, [ErrorDetail(("format_version",), msg)], code="invalid_description"
        )
    return str(rtype), fv


def _check_id(raw: dict[str, Any]) -> None:
    # bioimageio.spec fails with an exception of its own (instead of a validation error) on an
    # 'id' that is not text: the hub answers it first
    value = raw.get("id")
    if value is not None and not isinstance(value, str):
        msg = (
            f"id: '{short(value)}' is not text. Write the resource's id in quotes, or leave "
            "the line out: the hub gives new resources their id."
        )
        raise UploadRefused(msg, [ErrorDetail(("id",), msg)], code="invalid_description")


def _validate_format(raw: dict[str, Any], root: Path, name: str) -> tuple[Any, ValidationSummary]:
    """bioimageio.spec's own validation of the already parsed and checked description.

    ``build_description`` is given the data the hub has checked, rather than letting
    ``load_description`` read the file again with another YAML parser: what is checked is
    exactly what is validated, and no file handle or network fallback is involved.
    ``perform_io_checks=False``: the library neither downloads nor opens referenced files.
    """
    context = ValidationContext(
        root=root,
        file_name=name,
        original_source_name=name,
        perform_io_checks=False,
        log_warnings=False,
    )
    try:
        descr = build_description(copy.deepcopy(raw), context=context, format_version="discover")
    except Exception as exc:
        # the library reports problems in its summary; an exception is a case it did not
        # foresee, caused by this description: refuse it rather than fail the request
        log.exception("bioimageio.spec failed on a description")
        msg = (
            f"bioimageio.spec could not read this description ({type(exc).__name__}). Please "
            "check that every field has the type the format asks for."
        )
        raise UploadRefused(
            "The description does not follow the bioimage.io format.",
            [ErrorDetail((name,), msg)],
            code="invalid_description",
        ) from None
    summary = descr.validation_summary
    return descr, summary


def _collect_problems(
    summary: ValidationSummary, raw: dict[str, Any]
) -> tuple[list[ErrorDetail], list[ErrorDetail]]:
    """Errors (library errors plus warnings the spec makes a MUST) and remaining warnings."""
    entries = [(e.loc, e.msg, e.type) for d in summary.details for e in d.errors]
    errors = translate_errors(entries, raw)
    warnings: list[ErrorDetail] = []
    for detail in summary.details:
        for w in detail.warnings:
            loc, _ = user_loc(w.loc, raw)
            if loc[:1] == ("license",) and not w.msg.startswith("missing"):
                # Spec 0.4.9: "We don't support custom license beyond the SPDX license list".
                errors.append(ErrorDetail(("license",), w.msg))
            elif "format_version" in w.msg or loc == ("format_version",):
                # The spec asks consumers to refuse format versions they do not implement.
                msg = f"format_version: {w.msg}. The hub accepts only released format versions."
                errors.append(ErrorDetail(("format_version",), msg))
            else:
                warnings.append(warning_detail(w.loc, w.msg, raw))
    version = raw.get("version")
    if version is not None and not re.fullmatch(r"\d+\.\d+\.\d+([-+].+)?", str(version)):
        msg = f"version: '{short(version)}' is not of the form MAJOR.MINOR.PATCH, e.g. '0.1.0'."
        warnings.append(ErrorDetail(("version",), msg))
    return _license_messages(errors, raw.get("license")), _unique(warnings)


def _license_messages(errors: list[ErrorDetail], value: Any) -> list[ErrorDetail]:
    """One clear license message instead of the library's per-alternative errors."""
    if not any(e.loc[:1] == ("license",) for e in errors):
        return errors
    if isinstance(value, str) and _is_deprecated_license(value):
        msg = (
            f"license: '{short(value)}' is an outdated SPDX license identifier. Please use its "
            f"current form (e.g. 'GPL-3.0-only' instead of 'GPL-3.0') from {_SPDX_HINT}."
        )
    elif isinstance(value, str):
        msg = (
            f"license: '{short(value)}' is not an SPDX license identifier. Please use one from "
            f"{_SPDX_HINT}; custom licenses are not supported."
        )
    else:
        msg = f"license: must be an SPDX license identifier from {_SPDX_HINT}."
    rest = [e for e in errors if e.loc[:1] != ("license",)]
    return [ErrorDetail(("license",), msg), *rest]


def _is_deprecated_license(value: str) -> bool:
    try:
        DeprecatedLicenseId(value)
    except ValueError:
        return False
    return True


def _unique(details: list[ErrorDetail]) -> list[ErrorDetail]:
    return list(dict.fromkeys(details))


def _summary_json(summary: ValidationSummary) -> dict[str, Any]:
    """The library's summary as JSON, minus what describes the server rather than the upload.

    Serialising ``saved_conda_list`` would run ``conda list`` on the server and publish its
    output; the staging folder is a server path and is replaced by '.'.
    """
    data: dict[str, Any] = summary.model_dump(mode="json", exclude={"saved_conda_list"})
    for detail in data.get("details", []):
        context = detail.get("context")
        if isinstance(context, dict) and "root" in context:
            context["root"] = "."
    return data
