"""The DOIs a published version gives for itself, indexed when it is published so a report
naming a DOI resolves with one primary-key read. ``cite`` entries are works to cite, never
this resource, so their DOIs are not taken."""

from __future__ import annotations

import re
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from modelhub.analytics.models import UsageDoi
from modelhub.catalog.models import Resource, ResourceVersion, VersionStatus

_DOI = re.compile(r"^10\.\d{4,9}/\S{1,200}$")
_PREFIX = re.compile(r"^(doi:\s*|https?://(dx\.)?doi\.org/)", re.IGNORECASE)


def bare_doi(text: str) -> str | None:
    """``10.5281/zenodo.1`` from a DOI in any usual spelling, lower-cased (DOIs ignore case)."""
    value = _PREFIX.sub("", text.strip())
    return value.lower() if _DOI.match(value) else None


def dois_of(rdf: dict[str, Any]) -> tuple[set[str], set[str]]:
    """(version DOIs, concept DOIs) of an rdf."""
    version: set[str] = set()
    concept: set[str] = set()
    for value in (rdf.get("doi"), rdf.get("id")):
        if isinstance(value, str) and (doi := bare_doi(value)):
            version.add(doi)
    config = rdf.get("config")
    sections = [config] if isinstance(config, dict) else []
    if isinstance(config, dict):
        sections += [v for k, v in config.items() if k in ("bioimageio", "zenodo")]
    for section in sections:
        if not isinstance(section, dict):
            continue
        if isinstance(section.get("doi"), str) and (doi := bare_doi(section["doi"])):
            version.add(doi)
        for key in ("concept_doi", "_conceptdoi", "conceptdoi"):
            if isinstance(section.get(key), str) and (doi := bare_doi(section[key])):
                concept.add(doi)
    return version, concept - version


def index_version(db: Session, *, version: ResourceVersion) -> int:
    """Index the DOIs of a published version (again: idempotent); how many it has."""
    if version.number is None:
        return 0
    own, concept = dois_of(version.rdf if isinstance(version.rdf, dict) else {})
    for doi, number in [(d, version.number) for d in own] + [(d, None) for d in concept]:
        row = db.get(UsageDoi, doi)
        if row is None:
            db.add(UsageDoi(doi=doi, resource_id=version.resource_id, version_number=number))
        elif row.resource_id == version.resource_id:
            row.version_number = number
    db.flush()
    return len(own) + len(concept)


def index_all(db: Session) -> int:
    """Index every published version's DOIs (the first fold of a hub that had versions
    before analytics)."""
    query = (
        select(ResourceVersion)
        .join(Resource, Resource.id == ResourceVersion.resource_id)
        .where(ResourceVersion.status == VersionStatus.published)
        .order_by(ResourceVersion.id)
    )
    return sum(index_version(db, version=v) for v in db.scalars(query))
