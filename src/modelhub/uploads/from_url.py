"""Submit by URL: the hub fetches a package zip, or an rdf.yaml and the files it names, into the
staging area through the safe fetcher (``modelhub.fetch``); from there the package is accepted
exactly like an uploaded one (same validation, same limits).

A description's files are fetched relative to the description's own URL (after redirects),
each through the fetcher under the same address rules; a description naming a file by an
absolute URL is refused before anything else is fetched, as for an upload: a package is
self-contained, and the hub never follows URLs found inside a description.
"""

from __future__ import annotations

import os
from dataclasses import replace
from pathlib import Path
from urllib.parse import quote

import httpx

from modelhub.errors import ErrorDetail, UploadRefused
from modelhub.fetch import errors as fetch_errors
from modelhub.fetch.client import Fetched, fetch
from modelhub.fetch.errors import FetchError
from modelhub.fetch.policy import FetchPolicy
from modelhub.uploads import messages
from modelhub.uploads.archive import (
    PackageFile,
    UnpackLimits,
    is_description_name,
    safe_member_name,
)
from modelhub.uploads.validation import MAX_DESCRIPTION_BYTES, files_to_fetch

ZIP_MAGIC = (b"PK\x03\x04", b"PK\x05\x06")  # a zip's first entry, or an empty zip's end record


def fetch_package(
    rules: FetchPolicy, *, area: Path, url: str, limits: UnpackLimits
) -> list[PackageFile] | None:
    """Fetch the package at ``url`` into ``area`` by the fetcher's ``rules`` (their byte limit
    is set per file here): ``area/upload.zip`` for a zip (None is
    returned, as for a zip upload), or the description and its files under ``area/pkg`` (their
    list is returned). ``UploadRefused`` with the fetcher's ``fetch_*`` code when a fetch fails.
    """
    download = area / "download"
    got = _fetch(rules, url, download, limits.max_upload_bytes)
    with download.open("rb") as f:
        head = f.read(4)
    if head in ZIP_MAGIC:
        os.replace(download, area / "upload.zip")
        return None
    if got.size > MAX_DESCRIPTION_BYTES:
        raise UploadRefused(
            f"{url} is neither a package zip nor a description file (an rdf.yaml holds at "
            f"most {messages.human_size(MAX_DESCRIPTION_BYTES)}).",
            [ErrorDetail(("url",), "not a package zip or an rdf.yaml")],
            code="invalid_description",
        )
    root = area / "pkg"
    root.mkdir()
    name = _description_name(got.url)
    os.replace(download, root / name)
    files = [PackageFile(path=name, size=got.size, sha256=got.sha256)]
    files += fetch_named_files(rules, root=root, name=name, base_url=got.url, limits=limits,
                               used=got.size)  # fmt: skip
    return files


def fetch_named_files(
    rules: FetchPolicy, *, root: Path, name: str, base_url: str, limits: UnpackLimits, used: int
) -> list[PackageFile]:
    """Fetch the files the description ``root/name`` names, relative to ``base_url``, beside
    it; ``used`` bytes of the package's budget are already spent (the description's)."""
    paths = files_to_fetch(root, name)
    if len(paths) + 1 > limits.max_files:
        raise messages.too_many_files(limits.max_files)
    budget = min(limits.max_upload_bytes, limits.max_unpacked_bytes) - used
    base = httpx.URL(base_url)
    files: list[PackageFile] = []
    for path in paths:
        rel = safe_member_name(path)
        target = root / rel
        target.parent.mkdir(parents=True, exist_ok=True)
        file_url = str(base.join(quote(rel)))
        fetched = _fetch(rules, file_url, target, budget, package_file=rel)
        budget -= fetched.size
        files.append(PackageFile(path=rel, size=fetched.size, sha256=fetched.sha256))
    return files


def _description_name(url: str) -> str:
    """The description keeps its name from the URL when it is a description's name."""
    last = httpx.URL(url).path.rsplit("/", 1)[-1]
    return last if is_description_name(last) else "rdf.yaml"


def _fetch(
    rules: FetchPolicy, url: str, dest: Path, max_bytes: int, *, package_file: str | None = None
) -> Fetched:
    try:
        got = fetch(url, dest=dest, policy=replace(rules, max_bytes=max(max_bytes, 0)))
    except FetchError as exc:
        raise _refusal(exc, package_file, max_bytes) from None
    if not isinstance(got, Fetched):  # an unconditional request is never "not modified"
        raise UploadRefused(f"{url} sent no content.", code=fetch_errors.HTTP_ERROR)
    return got


def _refusal(exc: FetchError, package_file: str | None, max_bytes: int) -> UploadRefused:
    """The fetch error as an upload refusal (same code and status), naming the package file
    whose fetch failed."""
    message = exc.message
    if package_file is not None and exc.code == fetch_errors.TOO_LARGE:
        message = (
            f"The package's files hold more than this hub accepts: '{package_file}' does not fit"
            f" in the {messages.human_size(max(max_bytes, 0))} left."
        )
    loc: tuple[str | int, ...] = ("url",) if package_file is None else ("package", package_file)
    if package_file is not None:
        message = f"'{package_file}', named in the description: {message}"
    return UploadRefused(
        message, [ErrorDetail(loc, message)], code=exc.code, status_code=exc.status_code
    )
