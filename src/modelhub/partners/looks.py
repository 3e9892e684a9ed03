"""A partner's appearance as pages, the API and ``collection.json`` show it: the stored
``config`` (``partners.appearance``) with its images' hub addresses, and defaults where the
partner's collection says nothing (or no sync ran yet)."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from modelhub.catalog.models import ResourceType
from modelhub.links import Links
from modelhub.partners.appearance import ALL_TYPES
from modelhub.partners.images import IMAGE_FIELDS
from modelhub.partners.models import Partner, PartnerImage
from modelhub.partners.schemas import PartnerLook, Visual

EXPLORE = "Start Exploring"
VERSION_CHARS = 16  # of the sha256 in an image's address


def images_of(db: Session, partner_ids: Iterable[str]) -> dict[str, dict[str, PartnerImage]]:
    """The stored images of these partners, by partner and field (one query)."""
    wanted = list(partner_ids)
    found: dict[str, dict[str, PartnerImage]] = {p: {} for p in wanted}
    if not wanted:
        return found
    rows = db.scalars(select(PartnerImage).where(PartnerImage.partner_id.in_(wanted)))
    for row in rows:
        found[row.partner_id][row.field] = row
    return found


def _visual(partner_id: str, name: str, text: object, row: PartnerImage | None) -> Visual | None:
    if row is not None:
        version = row.blob_sha256[:VERSION_CHARS]
        return Visual(
            url=Links.partner_image_path(partner_id, name, version=version),
            media_type=row.media_type,
        )
    if isinstance(text, str) and text:
        return Visual(text=text)
    return None


def look_of(partner: Partner, images: dict[str, PartnerImage]) -> PartnerLook:
    """The partner's appearance, from its row and its image rows (``images_of``)."""
    stored = partner.appearance or {}
    visuals = {n: _visual(partner.id, n, stored.get(n), images.get(n)) for n in IMAGE_FIELDS}
    types = [t for t in stored.get("resource_types", []) if t in set(ResourceType)]
    default = stored.get("default_type", ALL_TYPES)
    return PartnerLook(
        customised=bool(stored),
        logo=visuals["logo"],
        icon=visuals["icon"],
        background_image=visuals["background_image"],
        about_url=stored.get("about_url") or partner.about_url,
        tags=list(stored.get("tags", [])),
        splash_title=stored.get("splash_title") or partner.name,
        splash_subtitle=stored.get("splash_subtitle") or partner.description or None,
        splash_feature_list=list(stored.get("splash_feature_list", [])),
        explore_button_text=stored.get("explore_button_text") or EXPLORE,
        resource_types=types or [t.value for t in ResourceType],
        default_type=default if default == ALL_TYPES or default in types else ALL_TYPES,
        explore_url=Links.partner_explore_path(partner.id),
    )


@dataclass(frozen=True)
class Scope:
    """What the catalog's ``partner`` filter keeps: ids in the partner's namespace
    (``<id>/…``) or resources carrying one of its tags, of its resource types only."""

    partner_id: str
    prefix: str
    tags: tuple[str, ...]
    types: tuple[str, ...]
    default_type: str


def scope_of(partner: Partner) -> Scope:
    look = look_of(partner, {})
    return Scope(
        partner_id=partner.id,
        prefix=f"{partner.id}/",
        tags=tuple(dict.fromkeys(t.strip().lower() for t in look.tags if t.strip())),
        types=tuple(look.resource_types),
        default_type=look.default_type,
    )
