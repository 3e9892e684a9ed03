"""The two documents, assembled from the stored rows (their texts are joined, never rebuilt),
and their strong ETags (from the generation: a matching ``If-None-Match`` costs one query)."""

from __future__ import annotations

import hashlib
from collections import Counter
from dataclasses import dataclass
from datetime import UTC
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import InstrumentedAttribute, Session

from modelhub.catalog.models import ResourceType
from modelhub.config import Settings
from modelhub.exports.entries import to_json
from modelhub.exports.models import ExportEntry
from modelhub.exports.service import StateNow, state_now
from modelhub.exports.urls import ExportUrls
from modelhub.links import Links
from modelhub.partners import looks, registry

COLLECTION_FORMAT = "0.3.0"
"""The bioimage.io collection format of today's ``collection.json``."""
_READS = 3


def partners(db: Session, *, urls: ExportUrls) -> list[dict[str, Any]]:
    """The community partners of the collection's ``config.partners``, in bioimage.io's shape
    (id, name, icon, logo, background_image, docs, about_url, tags, resource_types,
    default_type and the splash fields), from the partner registry and the appearance each
    partner's collection gave (images: their addresses on the hub). Every change of a
    partner records ``PartnerChanged``, whose reaction bumps the generation (the ETags)."""
    found = registry.list_partners(db)
    images = looks.images_of(db, [p.id for p in found])
    out = []
    for partner in found:
        look = looks.look_of(partner, images[partner.id])
        shown = {
            name: (urls.links.absolute(v.url) if v.url else v.text) if v else None
            for name, v in (
                ("logo", look.logo),
                ("icon", look.icon),
                ("background_image", look.background_image),
            )
        }
        entry: dict[str, Any] = {
            "id": partner.id,
            "name": partner.name,
            **{k: v for k, v in shown.items() if v is not None},
            "docs": look.about_url,
            "about_url": look.about_url,
            "url": urls.links.absolute(Links.partner_path(partner.id)),
            "explore_url": urls.links.absolute(look.explore_url),
            "tags": look.tags,
            "resource_types": look.resource_types,
            "default_type": look.default_type,
            "splash_title": look.splash_title,
            "splash_subtitle": look.splash_subtitle,
            "splash_feature_list": look.splash_feature_list,
            "explore_button_text": look.explore_button_text,
        }
        out.append({k: v for k, v in entry.items() if v is not None})
    return out


def collection_head(settings: Settings, urls: ExportUrls) -> dict[str, Any]:
    """``collection.json`` without its items: the collection description and its ``config``,
    whose ``partners`` are left empty here (``with_partners`` fills them): the head alone
    comes from the settings, so that an ETag costs no query of the partners."""
    base = urls.base
    return {
        "name": settings.hub_name,
        "type": "collection",
        "format_version": COLLECTION_FORMAT,
        "description": settings.hub_description,
        "tags": [],
        "authors": [{"name": settings.hub_name}],
        "config": {
            "name": settings.hub_name,
            "description": settings.hub_description,
            "url_root": base,
            "collection_url": urls.links.collection_json(),
            "index_url": urls.links.index_json(),
            "id_map": urls.links.id_map(),
            "splash_title": settings.hub_name,
            "splash_subtitle": settings.hub_description,
            "splash_feature_list": [],
            "explore_button_text": "Start Exploring",
            "resource_types": [t.value for t in ResourceType],
            "default_type": ResourceType.model.value,
            "partners": [],
        },
    }


def with_partners(db: Session, head: dict[str, Any], urls: ExportUrls) -> dict[str, Any]:
    """The head with the partners of its ``config``."""
    return {**head, "config": {**head["config"], "partners": partners(db, urls=urls)}}


def collection_etag(state: StateNow, head: dict[str, Any]) -> str:
    """Strong: the generation (which every change of a partner bumps) and a digest of the
    head as the settings make it."""
    digest = hashlib.sha256(to_json(head).encode()).hexdigest()[:16]
    return f'"c{state.generation}-{digest}"'


def index_etag(state: StateNow) -> str:
    return f'"i{state.generation}"'


@dataclass(frozen=True)
class Rows:
    """The stored texts of one column, read at one generation (``state``)."""

    state: StateNow
    types: list[str]
    texts: list[str]


def read_rows(db: Session, column: InstrumentedAttribute[str], state: StateNow) -> Rows:
    """Every row's text, ordered by resource id, as of one generation: the state is read again
    after the rows, and the rows again if it moved meanwhile (the ETag must name these
    bytes). After a few tries the state read before the rows is kept: its ETag is then
    merely conservative (a client holding it asks again and gets the newer document)."""
    for attempt in range(_READS):
        rows = db.execute(select(ExportEntry.type, column).order_by(ExportEntry.resource_id)).all()
        after = state_now(db)
        if after is None or after.generation == state.generation or attempt == _READS - 1:
            break  # on the last try: the state read before these rows
        state = after
    return Rows(state=state, types=[r[0] for r in rows], texts=[r[1] for r in rows])


def collection_bytes(head: dict[str, Any], rows: Rows) -> bytes:
    """``{…head…, "collection": [items]}`` from the stored item texts."""
    opening = to_json(head)[:-1]  # the head without its closing brace
    return f'{opening},"collection":[{",".join(rows.texts)}]}}'.encode()


def index_bytes(rows: Rows) -> bytes:
    """``{"count_per_type", "items", "timestamp", "total"}`` as bioimage.io writes it."""
    counts = dict(sorted(Counter(rows.types).items()))
    stamp = rows.state.changed_at.astimezone(UTC).replace(tzinfo=None).isoformat()
    return (
        f'{{"count_per_type":{to_json(counts)},"items":[{",".join(rows.texts)}],'
        f'"timestamp":{to_json(stamp)},"total":{len(rows.texts)}}}'
    ).encode()
