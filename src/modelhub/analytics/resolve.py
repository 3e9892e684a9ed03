"""What a report's ``download=`` names: a DOI (``https://doi.org/10.…`` or bare), a hub URL
(``…/artifacts/<id>[/vN]/…``, ``…/resources/<id>``, ``…/api/v1/resources/<id>/versions/vN/…``)
or an id (``affable-shark``, ``partner/name``, ``affable-shark/v2``) → (resource, version).
Answers are kept a minute per process: a bulk of reports of one model reads it once."""

from __future__ import annotations

import re
import time
from dataclasses import dataclass
from urllib.parse import parse_qs, unquote, urlsplit

from sqlalchemy import select
from sqlalchemy.orm import Session

from modelhub.analytics.dois import bare_doi
from modelhub.analytics.models import UsageDoi
from modelhub.catalog.models import Resource, ResourceVersion, VersionStatus

_LABEL = re.compile(r"^v?(\d{1,9})$", re.IGNORECASE)
_ROOTS = ("artifacts", "resources")
_KEEP_S = 60.0
_CACHE: dict[tuple[str, str], tuple[float, Target | None]] = {}


@dataclass(frozen=True)
class Target:
    """A published version; ``exact`` when the report named it (else the latest was taken:
    the report is of the resource, every version)."""

    resource_id: str
    version_number: int
    exact: bool = True


def resolve(db: Session, text: str) -> Target | None:
    """The published version ``text`` names; None when it names none."""
    key = (str(db.get_bind().engine.url), text)
    now = time.monotonic()
    cached = _CACHE.get(key)
    if cached is not None and now - cached[0] < _KEEP_S:
        return cached[1]
    found = _resolve(db, text.strip())
    if len(_CACHE) > 10_000:
        _CACHE.clear()
    _CACHE[key] = (now, found)
    return found


def _resolve(db: Session, text: str) -> Target | None:
    if not text or len(text) > 2000:
        return None
    doi = bare_doi(text)
    if doi is not None:
        row = db.get(UsageDoi, doi)
        return None if row is None else _target(db, row.resource_id, row.version_number)
    if text.startswith(("http://", "https://")):
        return _from_url(db, text)
    return _from_segments(db, [unquote(s) for s in text.strip("/").split("/")])


def _from_url(db: Session, url: str) -> Target | None:
    parts = urlsplit(url)
    segments = [unquote(s) for s in parts.path.split("/") if s]
    while segments and segments[0] not in _ROOTS:
        segments = segments[1:]  # a hub under a path prefix, or /api/v1
    if not segments:
        return None
    asked = parse_qs(parts.query).get("version", [])
    return _from_segments(db, segments[1:], asked[0] if asked else None)


def _from_segments(db: Session, segments: list[str], label: str | None = None) -> Target | None:
    """``<id>[/<label>]…`` where the id may be ``<partner>/<name>``."""
    for width in (2, 1):
        if len(segments) < width:
            continue
        resource_id = "/".join(segments[:width])
        if db.get(Resource, resource_id) is None:
            continue
        rest = segments[width:]
        if rest and rest[0] == "versions":
            rest = rest[1:]
        if rest and _LABEL.match(rest[0]):
            label = rest[0]
        match = _LABEL.match(label) if label else None
        if label and label.lower() != "latest" and match is None:
            return None  # a draft, a revision: not something to count
        return _target(db, resource_id, int(match.group(1)) if match else None)
    return None


def _target(db: Session, resource_id: str, number: int | None) -> Target | None:
    resource = db.get(Resource, resource_id)
    if resource is None or resource.latest_version is None:
        return None
    exact = number is not None
    number = resource.latest_version if number is None else number
    exists = db.scalar(
        select(ResourceVersion.id).where(
            ResourceVersion.resource_id == resource_id,
            ResourceVersion.number == number,
            ResourceVersion.status == VersionStatus.published,
        )
    )
    return Target(resource_id, number, exact) if exists is not None else None
