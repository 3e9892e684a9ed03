"""Every file a description names must be inside the uploaded package.

The hub never fetches a URL or reads a path named in an upload (no server-side request forgery,
no reading of server files). This check runs on the raw YAML *before* bioimageio.spec sees it.

The rule is generic on purpose: every text value is checked unless it sits in a position known
to hold a link for people to follow (``git_repo``, ``cite``, ``authors``, ``config``, …) or free
text (``description``, ``name``, …). A file field added by a future format version is therefore
refused rather than fetched.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from pathlib import Path, PurePosixPath
from typing import Any

from bioimageio.spec import ValidationContext
from bioimageio.spec._package import get_package_content
from bioimageio.spec.common import FileDescr, RelativeFilePath
from pydantic import BaseModel
from pydantic_core import PydanticSerializationError

from modelhub.errors import ErrorDetail, UploadRefused
from modelhub.uploads.archive import PackageFile, safe_member_name
from modelhub.uploads.messages import at, dotted, short

# Keys whose whole subtree holds links or personal data, never files of the package.
LINK_KEYS = frozenset(
    {
        "git_repo",
        "cite",
        "links",
        "config",
        "uploader",
        "maintainers",
        "authors",
        "packaged_by",
        "parent",
        "rdf_source",
        "download_url",
    }
)
# Keys holding prose or identifiers; a URL mentioned inside them is text, not a file.
FREE_TEXT_KEYS = frozenset(
    {"name", "description", "text", "comment", "label", "version_comment", "id_emoji", "tags"}
)
# Schemes that mean "somewhere else", also when written without '//' (e.g. 'file:/etc/passwd').
_SCHEMES = frozenset(
    {
        *("http", "https", "ftp", "ftps", "sftp", "file", "s3", "gs", "gcs", "az", "abfs"),
        *("abfss", "hdfs", "webdav", "dav", "zenodo", "doi", "hf", "huggingface", "git", "ssh"),
        *("smb", "nfs", "data", "blob", "jar", "zip", "ipfs", "ws", "wss", "mailto", "javascript"),
    }
)
_SCHEME = re.compile(r"^([A-Za-z][A-Za-z0-9+.\-]*):")
_DRIVE = re.compile(r"^[A-Za-z]:[\\/]")
# 0.4 dependencies name a file after a manager prefix: 'conda:environment.yaml'.
_MANAGER_PREFIX = re.compile(r"^(conda|pip):")


def is_link_position(loc: tuple[str | int, ...], resource_type: str | None) -> bool:
    """Whether the value at ``loc`` is a link for people (never fetched, never a package file)."""
    if any(isinstance(p, str) and p in LINK_KEYS for p in loc):
        return True
    if len(loc) == 3 and loc[0] == "badges" and loc[2] == "url":
        return True
    # A dataset's 'source' is where its data lives; a notebook's or application's is a file.
    if loc == ("source",) and resource_type == "dataset":
        return True
    return loc == ("training_data", "source")


def outside_kind(value: str) -> str | None:
    """Why a text value points outside the package: 'url', 'absolute', 'parent' or None."""
    text = _MANAGER_PREFIX.sub("", value.strip())
    scheme = _SCHEME.match(text)
    if "://" in text or (scheme and scheme.group(1).lower() in _SCHEMES):
        return "url"
    if text.startswith(("/", "\\")) or _DRIVE.match(text):
        return "absolute"
    if ".." in re.split(r"[\\/]", text):
        return "parent"
    return None


_REASONS = {
    "url": "is a web address",
    "absolute": "is an absolute path on a computer",
    "parent": "uses '..' to leave the package folder",
}


def find_outside_references(raw: Mapping[str, Any]) -> list[ErrorDetail]:
    """List every value of the description that names something outside the package."""
    rtype = raw.get("type") if isinstance(raw.get("type"), str) else None
    details = []
    for loc, value in iter_strings(raw):
        if _is_free_text(loc) or is_link_position(loc, rtype):
            continue
        kind = outside_kind(value)
        if kind is not None:
            details.append(
                ErrorDetail(
                    loc,
                    f"{dotted(loc)}: '{short(value)}' points outside the package (it "
                    f"{_REASONS[kind]}). Every file the description names must be inside the "
                    "uploaded package: add the file and name it by its path relative to the "
                    "description file, e.g. 'cover.png'. The hub never downloads files.",
                )
            )
    return details


def path_locations(raw: Mapping[str, Any]) -> dict[str, tuple[str | int, ...]]:
    """Where in the YAML each relative path is first named (to locate file problems)."""
    found: dict[str, tuple[str | int, ...]] = {}
    for loc, value in iter_strings(raw):
        # 'model.py:Net' (0.4 architecture) names the file 'model.py'
        for candidate in (value, value.rsplit(":", 1)[0]):
            key = normalise_relative(candidate)
            if key is not None:
                found.setdefault(key, loc)
    return found


def normalise_relative(value: str) -> str | None:
    """'./a//b.npy' → 'a/b.npy'; None for values that cannot be a relative path."""
    text = _MANAGER_PREFIX.sub("", value.strip())
    if not text or outside_kind(text) is not None:
        return None
    parts = [p for p in PurePosixPath(text).parts if p != "."]
    return "/".join(parts) if parts else None


def iter_strings(
    node: Any, loc: tuple[str | int, ...] = ()
) -> Iterator[tuple[tuple[str | int, ...], str]]:
    """Every text value in the YAML with its location (keys are not values)."""
    if isinstance(node, str):
        yield loc, node
    elif isinstance(node, Mapping):
        for key, child in node.items():
            yield from iter_strings(child, (*loc, key if isinstance(key, int) else str(key)))
    elif isinstance(node, list):
        for i, child in enumerate(node):
            yield from iter_strings(child, (*loc, i))


def _is_free_text(loc: tuple[str | int, ...]) -> bool:
    last_key = next((p for p in reversed(loc) if isinstance(p, str)), None)
    return last_key in FREE_TEXT_KEYS


def check_named_files(
    descr: Any,
    root: Path,
    description_file: str,
    files: list[PackageFile],
    raw: Mapping[str, Any],
) -> list[str]:
    """Check every file the validated description names against the uploaded files.

    Each must be a relative path inside the package, must have been uploaded, and must have
    the SHA-256 the description states, if it states one. Returns the named paths.
    """
    by_path = {f.path: f for f in files}
    where = path_locations(raw)
    outside: list[ErrorDetail] = []
    missing: list[ErrorDetail] = []
    wrong_hash: list[ErrorDetail] = []
    referenced: set[str] = set()
    for source, sha256 in _named_files(descr, root, description_file):
        rel = _inside(source, root)
        if rel is None:
            msg = f"'{short(str(source))}' points outside the package."
            outside.append(ErrorDetail(("package", str(source)), msg))
            continue
        loc = where.get(rel, ("package", rel))
        uploaded = by_path.get(rel)
        if uploaded is None:
            if rel not in referenced:
                missing.append(ErrorDetail(loc, _missing_msg(loc, rel)))
        elif sha256 is not None and str(sha256) != uploaded.sha256:
            sha_loc = _sha_loc(loc)
            msg = _hash_msg(rel, uploaded, str(sha256))
            wrong_hash.append(ErrorDetail(sha_loc, at(sha_loc, msg)))
        referenced.add(rel)
    if outside:
        raise UploadRefused(
            "The description names files outside the package.", outside, code="external_reference"
        )
    if missing or wrong_hash:
        raise UploadRefused(
            "The package does not contain the files its description names.",
            missing + list(dict.fromkeys(wrong_hash)),
            code="missing_file" if missing else "hash_mismatch",
        )
    return sorted(referenced)


# Where a description of any supported format names a file of the package; integers are '#'.
_FILE_FIELDS = re.compile(
    r"^(covers\.#|documentation|source|attachments\.#\.source|attachments\.files\.#"
    r"|(inputs|outputs)\.#\.(test_tensor|sample_tensor)\.source"
    r"|(test|sample)_(inputs|outputs)\.#"
    r"|weights\.[^.]+\.(source|architecture|architecture\.source|dependencies"
    r"|dependencies\.source))$"
)


def raw_file_problems(raw: Mapping[str, Any], files: list[PackageFile]) -> list[ErrorDetail]:
    """Missing files and wrong hashes found from the YAML alone, for a description the library
    refused (it then gives no description to list the files from): the problems are reported
    together with the format errors instead of after they are fixed."""
    rtype = raw.get("type") if isinstance(raw.get("type"), str) else None
    by_path = {f.path: f for f in files}
    missing: list[ErrorDetail] = []
    wrong_hash: list[ErrorDetail] = []
    seen: set[str] = set()
    for loc, value in iter_strings(raw):
        pattern = ".".join("#" if isinstance(p, int) else p for p in loc)
        if not _FILE_FIELDS.match(pattern) or is_link_position(loc, rtype):
            continue
        if loc[-1] == "architecture":  # 0.4: 'model.py:TinyNet'
            value = value.rsplit(":", 1)[0]
        rel = normalise_relative(value)
        if rel is None or rel in seen:
            continue
        seen.add(rel)
        uploaded = by_path.get(rel)
        if uploaded is None:
            missing.append(ErrorDetail(loc, _missing_msg(loc, rel)))
            continue
        sha_loc = _sha_loc(loc)
        parent: Any = raw
        for part in sha_loc[:-1]:
            parent = parent[part]
        expected = parent.get(sha_loc[-1]) if sha_loc != loc else None
        if isinstance(expected, str) and expected != uploaded.sha256:
            wrong_hash.append(ErrorDetail(sha_loc, at(sha_loc, _hash_msg(rel, uploaded, expected))))
    return missing + wrong_hash


def named_paths(descr: Any, root: Path, description_file: str) -> list[str]:
    """The clean relative paths of every file the validated description names inside the
    package (what a description given by URL needs fetched beside it)."""
    paths = {_inside(source, root) for source, _ in _named_files(descr, root, description_file)}
    return sorted(p for p in paths if p is not None)


def _named_files(descr: Any, root: Path, description_file: str) -> list[tuple[Any, Any]]:
    """(source, sha256 or None) of every file the description names.

    ``get_package_content`` lists what the library packs (with the hashes, also the 0.4 weights
    hashes that live beside their source). It does not pack everything a description names
    (a notebook's ``source``, for one), so the validated description is also searched for
    relative file paths; both must exist in the package.
    """
    # local_files_only: a remote source is skipped, never downloaded (none is left after
    # find_outside_references, but this must hold even if one slipped through).
    # perform_io_checks=False: the library does not open the files; the hub compares the
    # hashes computed while unpacking instead.
    with ValidationContext(root=root, file_name=description_file, perform_io_checks=False):
        try:
            content = get_package_content(
                descr, bioimageio_yaml_file_name=description_file, local_files_only=True
            )
        except (ValueError, PydanticSerializationError) as exc:
            raise UploadRefused(
                f"The files named in the description could not be listed: {exc}",
                code="invalid_description",
            ) from None
    found = [(e.source, e.sha256) for e in content.values() if isinstance(e, FileDescr)]
    found.extend(_relative_paths(descr))
    return found


def _relative_paths(node: Any) -> Iterator[tuple[Any, Any]]:
    if isinstance(node, RelativeFilePath):
        yield node, None
    elif isinstance(node, str):
        # 0.4 'model.py:Net' and 'conda:environment.yaml' are strings that carry a parsed
        # node with the file path in it.
        inner = getattr(node, "_inner_node", None)
        if isinstance(inner, BaseModel):
            yield from _relative_paths(inner)
    elif isinstance(node, BaseModel):
        source = getattr(node, "source", None)
        if isinstance(source, RelativeFilePath):
            # FileDescr and the 0.4 weights entries keep a file and its hash side by side.
            yield source, getattr(node, "sha256", None)
        arch_file = getattr(getattr(node, "architecture", None), "source_file", None)
        if isinstance(arch_file, RelativeFilePath):
            yield arch_file, getattr(node, "architecture_sha256", None)  # 0.4 weights
        for name in type(node).model_fields:
            if not (name == "source" and isinstance(source, RelativeFilePath)):
                yield from _relative_paths(getattr(node, name))
    elif isinstance(node, list | tuple):
        for item in node:
            yield from _relative_paths(item)
    elif isinstance(node, dict):
        for item in node.values():
            yield from _relative_paths(item)


def _inside(source: Any, root: Path) -> str | None:
    """The clean relative path of a source inside ``root``, or None."""
    if not isinstance(source, RelativeFilePath):
        return None
    try:
        rel = safe_member_name(str(source))
    except UploadRefused:
        return None
    if not (root / rel).resolve().is_relative_to(root.resolve()):
        return None
    return rel


def _sha_loc(loc: tuple[str | int, ...]) -> tuple[str | int, ...]:
    """Where the hash of the file named at ``loc`` is written."""
    if loc[-1:] == ("source",):
        return (*loc[:-1], "sha256")
    if loc[-1:] == ("architecture",):
        return (*loc[:-1], "architecture_sha256")
    return loc


def _missing_msg(loc: tuple[str | int, ...], rel: str) -> str:
    return at(
        loc,
        f"the file '{rel}' is not in the package. Please add it, or correct the name "
        "(names are case-sensitive).",
    )


def _hash_msg(rel: str, uploaded: PackageFile, expected: str) -> str:
    return (
        f"the file '{rel}' has SHA-256 {uploaded.sha256}, but the description expects "
        f"{expected}. Please upload the matching file or correct the sha256 value."
    )
