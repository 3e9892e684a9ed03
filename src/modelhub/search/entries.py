"""What goes into a resource's search entry, computed from plain values (the ORM refresh and
the migration's backfill share it, so both index alike)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from modelhub.catalog.card_people import plain_name
from modelhub.catalog.tags import canonical_tags
from modelhub.search import tokens as tok
from modelhub.search.models import FORMAT_BITS, WEIGHT_FORMATS
from modelhub.storage.base import BlobMissing, Storage

DOC_BYTES = 64 * 1024  # documentation beyond this is not searched: the start says what matters
DOC_TOKENS = 4000
CHECK_STATES = ("passed", "failed", "not_run")


@dataclass
class Listing:
    """A resource and its listed (latest) version, as the index needs them."""

    resource_id: str
    type: str
    emoji: str
    created_at: datetime
    published_at: datetime | None
    updated_at: datetime
    version_id: int
    number: int
    name: str
    description: str
    license: str | None
    tags: list[str]
    authors: list[Any]
    rdf: dict[str, Any]
    file_paths: set[str] = field(default_factory=set)
    documentation: str = ""  # tokens, space-separated
    check_status: str | None = None  # of the latest finished check
    check_formats: dict[str, Any] = field(default_factory=dict)
    compatible: list[dict[str, Any]] = field(default_factory=list)  # badges (``compat``)
    compat_mask: int = 0


def author_names(authors: list[Any]) -> list[str]:
    """The names to show and search (without a ``;@handle`` after them)."""
    return [plain_name(str(a["name"])) for a in authors if isinstance(a, dict) and a.get("name")]


def weight_formats(rdf: dict[str, Any]) -> list[str]:
    weights = rdf.get("weights")
    if not isinstance(weights, dict):
        return []
    return [name for name in WEIGHT_FORMATS if weights.get(name)]


def first_cover(rdf: dict[str, Any], file_paths: set[str]) -> str | None:
    """The first cover image that is a file of the version (URLs are never shown)."""
    covers = rdf.get("covers")
    for cover in covers if isinstance(covers, list) else []:
        if isinstance(cover, str) and cover in file_paths:
            return cover
    return None


def check_badges(listing: Listing, formats: list[str]) -> dict[str, str]:
    out = {}
    for name in formats:
        result = listing.check_formats.get(name)
        status = result.get("status") if isinstance(result, dict) else None
        out[name] = status if status in ("passed", "failed") else "not_run"
    return out


def entry_values(listing: Listing) -> tuple[dict[str, Any], list[str]]:
    """The entry's column values, and every token its full text holds."""
    tags = sorted(set(canonical_tags(listing.tags)))
    authors = author_names(listing.authors)
    formats = weight_formats(listing.rdf)
    values: dict[str, Any] = {
        "resource_id": listing.resource_id,
        "version_id": listing.version_id,
        "version_number": listing.number,
        "type": listing.type,
        "emoji": listing.emoji,
        "name": listing.name,
        "name_key": tok.fold(listing.name)[:255],
        "description": listing.description,
        "license": listing.license,
        "tags": tags,
        "authors": authors,
        "formats_mask": sum(FORMAT_BITS[f] for f in formats),
        "checks": check_badges(listing, formats),
        "checked": listing.check_status == "passed",
        "compatible": listing.compatible,
        "compat_mask": listing.compat_mask,
        "cover": first_cover(listing.rdf, listing.file_paths),
        "created_at": listing.created_at,
        "published_at": listing.published_at,
        "updated_at": listing.updated_at,
        # the nickname is searchable like the name ("affable-shark")
        "name_tokens": tok.field([listing.name, listing.resource_id]),
        "tag_tokens": tok.field(tags),
        "description_tokens": tok.field([listing.description]),
        "author_tokens": tok.field(authors),
    }
    everything = tok.tokens_of(
        [listing.name, listing.resource_id, *tags, listing.description, *authors]
    )
    seen = set(everything)
    everything += [t for t in listing.documentation.split() if t not in seen]
    return values, everything


def facet_values(values: dict[str, Any]) -> set[tuple[str, str]]:
    """The (facet, value) pairs an entry counts towards."""
    pairs = {("type", str(values["type"])), ("license", values["license"] or "")}
    if values["checked"]:
        pairs.add(("checked", "true"))
    mask = int(values["formats_mask"])
    pairs |= {("format", name) for name, bit in FORMAT_BITS.items() if mask & bit}
    pairs |= {("tag", tag) for tag in values["tags"]}
    return pairs


def documentation_tokens(storage: Storage, rdf: dict[str, Any], files: dict[str, str]) -> str:
    """The tokens of the package's documentation file (``files``: path → blob sha256), read
    from storage up to ``DOC_BYTES``; empty when it has none or it is not text."""
    path = rdf.get("documentation")
    sha = files.get(path) if isinstance(path, str) else None
    if sha is None or not str(path).lower().endswith((".md", ".txt", ".markdown", ".rst")):
        return ""
    try:
        with storage.open(sha) as src:
            raw = src.read(DOC_BYTES)
    except (BlobMissing, OSError):
        return ""
    return " ".join(tok.tokens(raw.decode("utf-8", errors="ignore"))[:DOC_TOKENS])
