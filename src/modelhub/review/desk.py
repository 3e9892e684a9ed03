"""The review desk's data: what changed since the previous published version (a field summary,
a line diff of the two rdf.yaml texts, the files) and the latest check per weight format.

The comparison functions are pure (dicts and texts in, pydantic rows out) so that they can be
tested without a database; ``build_diff`` and ``desk_check`` load what they need."""

from __future__ import annotations

import difflib
import json
from collections.abc import Callable
from datetime import datetime
from typing import Any, Literal

from pydantic import BaseModel
from sqlalchemy import select
from sqlalchemy.orm import Session

from modelhub.catalog.models import ResourceVersion, VersionFile, VersionStatus
from modelhub.catalog.publishing import next_number
from modelhub.catalog.rdf import SERVED_NAME, render_description
from modelhub.checks.service import latest_run
from modelhub.storage.base import BlobMissing, Storage

Change = Literal["added", "removed", "changed", "unchanged"]
LineKind = Literal["meta", "hunk", "add", "del", "same"]
MAX_DIFF_LINES = 2_000  # a desk stays readable; the files themselves are one click away
MAX_RDF_BYTES = 1_000_000
MAX_LOG_CHARS = 60_000
SHOWN_CHARS = 300


class FieldChange(BaseModel):
    field: str
    label: str
    change: Change
    before: str
    after: str


class DiffLine(BaseModel):
    kind: LineKind
    text: str


class FileChange(BaseModel):
    path: str
    change: Literal["added", "removed", "changed"]
    before_sha256: str | None
    after_sha256: str | None


class DeskDiff(BaseModel):
    """The open revision against the previous published version (``previous`` None: a first
    version, then ``rdf_text`` is the whole description)."""

    previous: str | None
    fields: list[FieldChange]
    rdf_lines: list[DiffLine]
    rdf_truncated: bool
    files: list[FileChange]
    unchanged_files: int
    rdf_text: str | None


class FormatResult(BaseModel):
    name: str
    status: str
    reason: str | None


class DeskCheck(BaseModel):
    id: int
    status: str
    reason: str | None
    library_key: str | None
    finished_at: datetime | None
    formats: list[FormatResult]
    log: str
    log_truncated: bool


Files = dict[str, str]  # path -> sha256


def _text(value: Any) -> str:
    return value.strip() if isinstance(value, str) else ""


def _list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else []


def _tensor_ids(value: Any) -> str:
    # format 0.5 names tensors by `id`, 0.4 by `name`
    items = [t for t in _list(value) if isinstance(t, dict)]
    return ", ".join(str(t.get("id") or t.get("name") or "?") for t in items)


def _shown(text: str) -> str:
    return text if len(text) <= SHOWN_CHARS else text[: SHOWN_CHARS - 1] + "…"


def _canonical(value: Any) -> str:
    return json.dumps(value, sort_keys=True, default=str)


# field -> (label, value compared, value shown); the compared value of covers and documentation
# includes the files' sha256, so that a new README under the same name counts as a change
_Extract = Callable[[dict[str, Any], Files], tuple[Any, str]]
_FIELDS: tuple[tuple[str, str, _Extract], ...] = (
    ("name", "Name", lambda r, f: (_text(r.get("name")), _text(r.get("name")))),
    ("description", "Description",
     lambda r, f: (_text(r.get("description")), _text(r.get("description")))),
    ("tags", "Tags", lambda r, f: (sorted(map(str, _list(r.get("tags")))),
                                   ", ".join(sorted(map(str, _list(r.get("tags"))))))),
    ("license", "License", lambda r, f: (_text(r.get("license")), _text(r.get("license")))),
    ("authors", "Authors", lambda r, f: (_list(r.get("authors")), "; ".join(
        str(a.get("name", "?")) for a in _list(r.get("authors")) if isinstance(a, dict)))),
    ("weights", "Weights formats", lambda r, f: (
        r.get("weights") or {},
        ", ".join(sorted(r["weights"])) if isinstance(r.get("weights"), dict) else "")),
    ("inputs", "Inputs", lambda r, f: (_list(r.get("inputs")), _tensor_ids(r.get("inputs")))),
    ("outputs", "Outputs", lambda r, f: (_list(r.get("outputs")), _tensor_ids(r.get("outputs")))),
    ("covers", "Covers", lambda r, f: (
        [(str(c), f.get(str(c))) for c in _list(r.get("covers"))],
        ", ".join(map(str, _list(r.get("covers")))))),
    ("documentation", "Documentation", lambda r, f: (
        (_text(r.get("documentation")), f.get(_text(r.get("documentation")))),
        _text(r.get("documentation")))),
)  # fmt: skip


def field_changes(
    before: dict[str, Any], after: dict[str, Any], *, before_files: Files, after_files: Files
) -> list[FieldChange]:
    """One row per summarised field, saying whether it was added, removed or changed."""
    rows = []
    for field, label, extract in _FIELDS:
        old_key, old_shown = extract(before, before_files)
        new_key, new_shown = extract(after, after_files)
        change: Change
        if _canonical(old_key) == _canonical(new_key):
            change = "unchanged"
        elif not old_shown and new_shown:
            change = "added"
        elif old_shown and not new_shown:
            change = "removed"
        else:
            change = "changed"
        rows.append(FieldChange(field=field, label=label, change=change,
                                before=_shown(old_shown), after=_shown(new_shown)))  # fmt: skip
    return rows


def _kind(line: str) -> LineKind:
    if line.startswith(("+++", "---")):
        return "meta"
    if line.startswith("@@"):
        return "hunk"
    return {"+": "add", "-": "del"}.get(line[:1], "same")  # type: ignore[return-value]


def rdf_diff(
    before: str, after: str, *, before_label: str, after_label: str, limit: int = MAX_DIFF_LINES
) -> tuple[list[DiffLine], bool]:
    """A unified diff of two description texts as classified lines, and whether it was cut."""
    lines = difflib.unified_diff(
        before.splitlines(), after.splitlines(), before_label, after_label, lineterm="", n=3
    )
    out: list[DiffLine] = []
    for line in lines:
        if len(out) == limit:
            return out, True
        out.append(DiffLine(kind=_kind(line), text=line))
    return out, False


def file_changes(before: Files, after: Files) -> tuple[list[FileChange], int]:
    """Files added, removed or changed (by sha256), sorted by path; and how many are the same."""
    rows = []
    for path in sorted(before.keys() | after.keys()):
        old, new = before.get(path), after.get(path)
        if old == new:
            continue
        change: Literal["added", "removed", "changed"] = (
            "added" if old is None else "removed" if new is None else "changed"
        )
        rows.append(FileChange(path=path, change=change, before_sha256=old, after_sha256=new))
    return rows, len(before.keys() & after.keys()) - sum(r.change == "changed" for r in rows)


def previous_published(db: Session, *, version: ResourceVersion) -> ResourceVersion | None:
    """The most recent published version of the same resource (what the revision would follow)."""
    return db.scalar(
        select(ResourceVersion)
        .where(
            ResourceVersion.resource_id == version.resource_id,
            ResourceVersion.status == VersionStatus.published,
        )
        .order_by(ResourceVersion.number.desc())
        .limit(1)
    )


def _files(version: ResourceVersion) -> Files:
    return {f.path: f.blob_sha256 for f in version.files}


def description_text(db: Session, storage: Storage, *, version: ResourceVersion) -> str:
    """The served rdf.yaml of a version as text ('' when it cannot be read)."""
    entry = db.get(VersionFile, (version.id, SERVED_NAME))
    if entry is None:
        return ""
    try:
        with storage.open(entry.blob_sha256) as src:
            return src.read(MAX_RDF_BYTES).decode("utf-8", errors="replace")
    except BlobMissing:
        return ""


def as_published(db: Session, text: str, *, version: ResourceVersion) -> str:
    """The revision's rdf.yaml as approving it would serve it (with its version number, written
    the way published descriptions are), so that the line diff shows only real changes."""
    number = next_number(db, resource_id=version.resource_id)
    try:
        served = render_description(text.encode(), resource_id=version.resource_id, version=number)
    except ValueError:
        return text
    return served.decode("utf-8", errors="replace")


def build_diff(db: Session, storage: Storage, *, version: ResourceVersion) -> DeskDiff:
    """The open revision compared with the previous published version."""
    text = description_text(db, storage, version=version)
    previous = previous_published(db, version=version)
    if previous is None:
        return DeskDiff(previous=None, fields=[], rdf_lines=[], rdf_truncated=False, files=[],
                        unchanged_files=0, rdf_text=text)  # fmt: skip
    old_files, new_files = _files(previous), _files(version)
    lines, cut = rdf_diff(
        description_text(db, storage, version=previous),
        as_published(db, text, version=version),
        before_label=f"rdf.yaml ({previous.label})",
        after_label=f"rdf.yaml (revision {version.revision})",
    )
    files, same = file_changes(old_files, new_files)
    return DeskDiff(
        previous=previous.label,
        fields=field_changes(
            previous.rdf, version.rdf, before_files=old_files, after_files=new_files
        ),
        rdf_lines=lines,
        rdf_truncated=cut,
        files=files,
        unchanged_files=same,
        rdf_text=None,
    )


def desk_check(db: Session, *, version: ResourceVersion) -> DeskCheck | None:
    """The latest check of the revision, one row per weight format of its description (formats
    the run has not reported yet take the run's own status)."""
    run = latest_run(db, version=version)
    if run is None:
        return None
    weights = version.rdf.get("weights")
    names = sorted(set(run.formats) | (set(weights) if isinstance(weights, dict) else set()))
    fallback = "not-run" if run.status.finished else run.status.value
    formats = []
    for name in names:
        result = run.formats.get(name)
        found = result if isinstance(result, dict) else {}
        formats.append(FormatResult(name=name, status=str(found.get("status") or fallback),
                                    reason=found.get("reason")))  # fmt: skip
    log = run.log or ""
    return DeskCheck(
        id=run.id,
        status=run.status.value,
        reason=run.reason,
        library_key=run.library_key,
        finished_at=run.finished_at,
        formats=formats,
        log=log[-MAX_LOG_CHARS:],
        log_truncated=len(log) > MAX_LOG_CHARS,
    )
