"""The worker's half of a sync: fetch the collection (conditionally), then each new or changed
entry's package, validate it exactly like an upload and put its files into storage. Nothing
here touches the database; the hub applies the result (``apply``)."""

from __future__ import annotations

import hashlib
import json
import logging
import shutil
import tempfile
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import httpx

from modelhub.errors import UploadRefused
from modelhub.fetch.client import Fetched, fetch
from modelhub.fetch.errors import FetchError
from modelhub.fetch.policy import FetchPolicy
from modelhub.partner_sync.collection import (
    Collection,
    CollectionRefused,
    EntryProblem,
    RawEntry,
    problem_of,
    read_collection,
)
from modelhub.partner_sync.names import resource_id_for
from modelhub.partners.images import FetchedImages, fetch_images
from modelhub.storage.base import Storage
from modelhub.storage.factory import StorageDescription, storage_from
from modelhub.uploads.archive import PackageFile, UnpackLimits, unpack_zip
from modelhub.uploads.from_url import fetch_named_files, fetch_package
from modelhub.uploads.validation import ValidatedPackage, validate_package

log = logging.getLogger(__name__)
INLINE = "inline"


@dataclass(frozen=True)
class SyncTask:
    """Everything a worker needs: picklable, no database, no secrets."""

    partner_id: str
    collection_url: str
    etag: str | None
    last_modified: str | None
    last_sha256: str | None
    known: dict[str, str]  # key -> fingerprint, of the entries whose last sync succeeded
    full: bool
    keep_ids: bool
    storage: StorageDescription
    rules: FetchPolicy
    limits: UnpackLimits
    collection_max_bytes: int
    max_entries: int


@dataclass(frozen=True)
class Ready:
    """A valid entry, its files in storage: (path, sha256, size), the description first."""

    key: str
    source: str
    fingerprint: str
    resource_id: str
    raw: dict[str, Any]
    type: str
    format_version: str
    name: str
    description: str
    tags: list[str]
    license: str | None
    authors: list[dict[str, Any]]
    summary: dict[str, Any]
    files: list[tuple[str, str, int]]


@dataclass(frozen=True)
class SyncResult:
    unchanged: bool = False
    error: str | None = None
    error_code: str | None = None
    url: str | None = None
    etag: str | None = None
    last_modified: str | None = None
    sha256: str | None = None
    config: dict[str, Any] = field(default_factory=dict)
    images: FetchedImages | None = None
    ready: list[Ready] = field(default_factory=list)
    kept: list[str] = field(default_factory=list)  # keys listed, unchanged
    problems: list[EntryProblem] = field(default_factory=list)
    requests: int = 0

    def job_json(self) -> dict[str, Any]:
        """What the job row keeps (small): the counts."""
        return {
            "unchanged": self.unchanged,
            "error": self.error,
            "ready": len(self.ready),
            "kept": len(self.kept),
            "failed": len(self.problems),
            "requests": self.requests,
        }


def run_sync(task: SyncTask) -> SyncResult:
    """Worker side: the collection and its new or changed entries."""
    scratch = Path(tempfile.mkdtemp(prefix=f"modelhub-sync-{task.partner_id}-"))
    try:
        return _run(task, scratch)
    finally:
        shutil.rmtree(scratch, ignore_errors=True)


def _run(task: SyncTask, scratch: Path) -> SyncResult:
    policy = replace(task.rules, max_bytes=task.collection_max_bytes)
    try:
        got = fetch(
            task.collection_url,
            dest=scratch / "collection",
            policy=policy,
            etag=task.etag,
            last_modified=task.last_modified,
        )
    except FetchError as exc:
        return SyncResult(error=f"The collection: {exc.message}", error_code=exc.code, requests=1)
    if not isinstance(got, Fetched) or (got.sha256 == task.last_sha256 and not task.full):
        return SyncResult(unchanged=True, requests=1)
    try:
        collection = read_collection(
            got.path.read_bytes(), max_entries=task.max_entries, max_bytes=task.collection_max_bytes
        )
    except CollectionRefused as exc:
        return SyncResult(error=exc.message, error_code=exc.code, requests=1)
    storage = storage_from(task.storage)
    result = _entries(task, collection, got, scratch, storage)
    # the collection's looks (logo, icon, background): a broken image never fails the sync
    images = fetch_images(collection.config, base_url=got.url, policy=policy, storage=storage)
    return replace(
        result,
        images=images,
        url=got.url,
        etag=got.etag,
        last_modified=got.last_modified,
        sha256=got.sha256,
        config=collection.config,
    )


def _entries(
    task: SyncTask, collection: Collection, got: Fetched, scratch: Path, storage: Storage
) -> SyncResult:
    ready: list[Ready] = []
    kept: list[str] = []
    problems = list(collection.problems)
    requests = 1
    seen_ids: dict[str, str] = {}
    for number, entry in enumerate(collection.entries):
        if not task.full and task.known.get(entry.key) == entry.fingerprint:
            kept.append(entry.key)
            continue
        area = scratch / f"e{number}"
        area.mkdir()
        try:
            pkg, fetched = _package(task, entry, area, base_url=got.url)
            requests += fetched
            rid = resource_id_for(
                task.partner_id, entry.entry_id or pkg.declared_id, keep_ids=task.keep_ids
            )
            if rid in seen_ids:
                raise UploadRefused(
                    f"Two entries of the collection get the id '{rid}' ('{seen_ids[rid]}' and "
                    f"'{entry.key}'); only the first is kept.",
                    code="duplicate_id",
                )
            seen_ids[rid] = entry.key
            ready.append(_store(entry, rid, pkg, storage))
        except UploadRefused as exc:
            problems.append(problem_of(entry.key, entry.source or INLINE, exc))
        except Exception as exc:  # one broken entry never stops the others
            log.exception("partner %s: entry %s", task.partner_id, entry.key)
            problems.append(
                EntryProblem(
                    entry.key, entry.source or INLINE, f"Unexpected error: {exc}", "internal"
                )
            )
        finally:
            shutil.rmtree(area, ignore_errors=True)
    return SyncResult(ready=ready, kept=kept, problems=problems, requests=requests)


def _package(
    task: SyncTask, entry: RawEntry, area: Path, *, base_url: str
) -> tuple[ValidatedPackage, int]:
    """The entry's package validated in ``area/pkg``, and the number of requests it took."""
    root = area / "pkg"
    if (
        entry.source is None
    ):  # inline: the description is the entry, its files beside the collection
        root.mkdir()
        data = json.dumps(entry.inline, ensure_ascii=False).encode()
        (root / "rdf.yaml").write_bytes(data)
        files = [PackageFile("rdf.yaml", len(data), _sha(data))]
        files += fetch_named_files(
            task.rules, root=root, name="rdf.yaml", base_url=base_url, limits=task.limits,
            used=len(data),
        )  # fmt: skip
        return validate_package(root, files), len(files) - 1
    # a relative source lies beside the collection (an offline copy of a collection)
    url = str(httpx.URL(base_url).join(entry.source))
    files_or_none = fetch_package(task.rules, area=area, url=url, limits=task.limits)
    if files_or_none is None:
        root.mkdir()
        files = unpack_zip(area / "upload.zip", root, task.limits)
        return validate_package(root, files), 1
    return validate_package(root, files_or_none), len(files_or_none)


def _store(entry: RawEntry, rid: str, pkg: ValidatedPackage, storage: Storage) -> Ready:
    """Put the package's files into storage (a blob no row ever names is removed by gc)."""
    stored: list[tuple[str, str, int]] = []
    for f in sorted(pkg.files, key=lambda f: f.path != pkg.description_file):
        blob = storage.put_file(pkg.root / f.path, sha256=f.sha256)
        stored.append((f.path, blob.sha256, blob.size))
    return Ready(
        key=entry.key,
        source=entry.source or INLINE,
        fingerprint=entry.fingerprint,
        resource_id=rid,
        raw=json.loads(json.dumps(pkg.raw, default=str)),
        type=pkg.type,
        format_version=pkg.format_version,
        name=pkg.name,
        description=pkg.description,
        tags=list(pkg.tags),
        license=pkg.license,
        authors=json.loads(json.dumps(pkg.authors, default=str)),
        summary=pkg.summary,
        files=stored,
    )


def _sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()
