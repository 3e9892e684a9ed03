"""Reading a partner's collection document: its ``config`` and its entries.

Three shapes are read, so that partners and mirrors work unchanged:

- a collection RDF (YAML or JSON): ``collection: [...]`` whose entries are either a reference
  (``rdf_source``: the URL of an rdf.yaml or of a package zip, with the entry's ``id``) or an
  inline description (a mapping with ``type``, ``name``…; its files lie beside the collection);
- bioimage.io's ``collection.json`` (the same: items with ``id`` and ``rdf_source``);
- bioimage.io's ``index.json`` (``items: [{id, versions: [{version, source}]}]``): the newest
  version's ``source`` of each item.

A document that cannot be read fails the whole sync (nothing changes); an entry that cannot be
read is reported under its key and the others go on.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from typing import Any

from modelhub.errors import ErrorDetail, UploadRefused
from modelhub.uploads.yamlsafe import parse_description_yaml

MAX_KEY = 2000


class CollectionRefused(Exception):
    """The document is not a collection the hub can read: the sync changes nothing."""

    def __init__(self, message: str, code: str = "invalid_collection") -> None:
        super().__init__(message)
        self.message = message
        self.code = code


@dataclass(frozen=True)
class RawEntry:
    """One entry as the collection lists it. ``key`` identifies it from sync to sync: its
    ``id``, else its source URL. ``fingerprint`` digests its text: unchanged text, no work."""

    key: str
    entry_id: str | None
    source: str | None  # a URL (rdf.yaml or zip); None for an inline description
    inline: dict[str, Any] | None
    fingerprint: str


@dataclass(frozen=True)
class EntryProblem:
    key: str
    source: str
    message: str
    code: str
    details: list[dict[str, Any]] = field(default_factory=list)


@dataclass(frozen=True)
class Collection:
    config: dict[str, Any]
    entries: list[RawEntry]
    problems: list[EntryProblem]


def fingerprint(data: Any) -> str:
    text = json.dumps(data, sort_keys=True, separators=(",", ":"), default=str)
    return hashlib.sha256(text.encode()).hexdigest()


def read_collection(data: bytes, *, max_entries: int, max_bytes: int) -> Collection:
    """The collection in ``data``; ``CollectionRefused`` when it is not one."""
    doc = _parse(data, max_bytes=max_bytes)
    items = doc.get("collection")
    if items is None and isinstance(doc.get("items"), list):
        items = doc["items"]
    if not isinstance(items, list):
        raise CollectionRefused(
            "The document lists no resources: a collection has a 'collection' list of entries "
            "(or, as bioimage.io's index.json, an 'items' list)."
        )
    if len(items) > max_entries:
        raise CollectionRefused(
            f"The collection lists {len(items):,} entries; this hub reads at most "
            f"{max_entries:,} per partner.",
            code="too_many_entries",
        )
    config = doc.get("config")
    entries: list[RawEntry] = []
    problems: list[EntryProblem] = []
    keys: set[str] = set()
    for index, item in enumerate(items):
        entry = _entry(item, index)
        if isinstance(entry, RawEntry) and entry.key in keys:
            where = f"collection[{index}]"
            entry = EntryProblem(
                where,
                entry.source or where,
                f"{where} repeats the id '{entry.key}' of an earlier entry; only the first"
                " is read.",
                "duplicate_id",
            )
        if isinstance(entry, EntryProblem):
            problems.append(entry)
        else:
            keys.add(entry.key)
            entries.append(entry)
    return Collection(
        config=config if isinstance(config, dict) else {}, entries=entries, problems=problems
    )


def _parse(data: bytes, *, max_bytes: int) -> dict[str, Any]:
    """The document's top-level mapping. JSON (``collection.json``, ``index.json``) is read as
    JSON — YAML cannot read the ``\\ud83e\\udd88`` escapes JSON writers give emoji —, anything
    else with the uploads' safe YAML parser."""
    if data.lstrip()[:1] == b"{":
        try:
            doc = json.loads(data)
        except (ValueError, RecursionError) as exc:
            raise CollectionRefused(
                f"The collection is not valid JSON: {exc}.", code="invalid_collection_json"
            ) from None
        if not isinstance(doc, dict):  # pragma: no cover - "{" starts an object
            raise CollectionRefused("The collection must be a mapping of fields.")
        return doc
    try:
        return parse_description_yaml(data, max_bytes=max_bytes, file_name="collection")
    except UploadRefused as exc:
        said = exc.details[0].msg if exc.details else exc.message
        message = said.replace("The description file", "The collection")
        raise CollectionRefused(message, code="invalid_collection_yaml") from None


def _entry(item: object, index: int) -> RawEntry | EntryProblem:
    where = f"collection[{index}]"
    if not isinstance(item, dict):
        return EntryProblem(where, where, f"{where} is not a mapping of fields.", "invalid_entry")
    entry_id = item.get("id")
    if entry_id is not None and not isinstance(entry_id, str):
        return EntryProblem(where, where, f"{where}.id must be text.", "invalid_entry")
    source = _source(item)
    if source is None and "type" not in item:
        return EntryProblem(
            entry_id or where,
            where,
            f"{where} has neither 'rdf_source' (the URL of its rdf.yaml or package) nor the "
            "fields of an inline description ('type', 'name', …).",
            "invalid_entry",
            [{"loc": [where, "rdf_source"], "msg": "required"}],
        )
    key = entry_id or source or where
    if len(key) > MAX_KEY:
        return EntryProblem(where, where, f"{where}: its id or URL is too long.", "invalid_entry")
    inline = None if source is not None else dict(item)
    return RawEntry(
        key=key,
        entry_id=entry_id,
        source=source,
        inline=inline,
        fingerprint=fingerprint(item),
    )


def _source(item: dict[str, Any]) -> str | None:
    """The URL of the entry's description: ``rdf_source`` (collection RDFs, collection.json),
    or the newest version's ``source`` (index.json)."""
    value = item.get("rdf_source")
    if isinstance(value, str) and value.strip():
        return value.strip()
    versions = item.get("versions")
    if "name" in item or not isinstance(versions, list) or not versions:
        return None  # an inline description has a name; an index.json item has none
    sources = [v.get("source") for v in versions if isinstance(v, dict)]
    found = [s.strip() for s in sources if isinstance(s, str) and s.strip()]
    if not found:
        return None
    return found[-1] if _ascending(versions) else found[0]


def _ascending(versions: list[Any]) -> bool:
    """index.json lists versions newest first; read ``created_at`` when both ends have one."""
    first, last = versions[0], versions[-1]
    if isinstance(first, dict) and isinstance(last, dict):
        a, b = first.get("created_at"), last.get("created_at")
        if isinstance(a, str) and isinstance(b, str):
            return a < b
    return False


def problem_of(key: str, source: str, exc: UploadRefused) -> EntryProblem:
    return EntryProblem(key, source, exc.message, exc.code, [_detail(d) for d in exc.details])


def _detail(d: ErrorDetail) -> dict[str, Any]:
    return {"loc": list(d.loc), "msg": d.msg}
