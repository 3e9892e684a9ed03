"""A partner's appearance from its collection's ``config`` (the seeds' "Customizing
appearance"): the two halves a sync calls.

- ``fetch_images`` (worker side, no database; ``partners.images``): the logo, icon and
  background image copied into the blob storage, or kept as an emoji;
- ``store_appearance`` (hub side, in the sync's transaction, never commits): the ``config``
  checked and stored on the partner, the images recorded so that gc keeps their blobs, and
  ``PartnerChanged`` recorded when anything changed (``collection.json``'s ETag follows).

Every problem is a plain message with the field's path (``config.tags[2]: …``); none fails
the sync: a field in error is left out (an image in error keeps the previous one)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from modelhub.catalog.models import ResourceType
from modelhub.db import utcnow
from modelhub.events import PartnerChanged, record
from modelhub.partners.images import IMAGE_FIELDS, FetchedImages, ImageRef, fetch_images
from modelhub.partners.models import URL_LENGTH, Partner, PartnerImage
from modelhub.storage.models import Blob
from modelhub.storage.service import BlobBatch

__all__ = ["ALL_TYPES", "FetchedImages", "fetch_images", "normalise", "store_appearance"]

ALL_TYPES = "all"
TEXTS = {"splash_title": 200, "splash_subtitle": 500, "explore_button_text": 60}
LISTS = {"tags": (50, 128), "splash_feature_list": (20, 300)}  # (items, characters each)
KNOWN_TYPES = tuple(t.value for t in ResourceType)


def _text(value: Any, where: str, limit: int, problems: list[str]) -> str | None:
    if not isinstance(value, str):
        problems.append(f"{where}: must be text.")
        return None
    value = " ".join(value.split())
    if len(value) > limit:
        problems.append(f"{where}: at most {limit} characters ({len(value)} given).")
        return None
    return value or None


def _texts(value: Any, where: str, limits: tuple[int, int], problems: list[str]) -> list[str]:
    items, limit = limits
    if not isinstance(value, list):
        problems.append(f"{where}: must be a list of texts.")
        return []
    if len(value) > items:
        problems.append(f"{where}: at most {items} entries ({len(value)} given).")
        return []
    out = [_text(v, f"{where}[{i}]", limit, problems) for i, v in enumerate(value)]
    return list(dict.fromkeys(v for v in out if v))


def _url(value: Any, problems: list[str]) -> str | None:
    where = "config.about_url"
    text = _text(value, where, URL_LENGTH, problems)
    if text is not None and not text.lower().startswith(("http://", "https://")):
        problems.append(f"{where}: must be an http(s) address.")
        return None
    return text


def _types(config: Mapping[str, Any], problems: list[str]) -> tuple[list[str], str]:
    types = list(KNOWN_TYPES)
    if config.get("resource_types") is not None:
        given = _texts(config["resource_types"], "config.resource_types", (10, 32), problems)
        unknown = [t for t in given if t not in KNOWN_TYPES]
        if unknown:
            problems.append(
                f"config.resource_types: unknown type {', '.join(unknown)} (known: "
                f"{', '.join(KNOWN_TYPES)})."
            )
        types = [t for t in given if t in KNOWN_TYPES] or types
    default = config.get("default_type")
    if default is None:
        return types, ALL_TYPES
    if default != ALL_TYPES and default not in types:
        problems.append(
            f"config.default_type: must be one of {', '.join(types)} or {ALL_TYPES}; "
            f"{ALL_TYPES} is used."
        )
        return types, ALL_TYPES
    return types, str(default)


def normalise(config: Any) -> tuple[dict[str, Any], list[str]]:
    """The checked texts and lists of a ``config`` (image fields aside), and its problems."""
    problems: list[str] = []
    if not isinstance(config, Mapping):
        return {}, ["config: must be a mapping of fields (about_url, tags, logo, …)."]
    out: dict[str, Any] = {}
    if config.get("about_url") is not None:
        out["about_url"] = _url(config["about_url"], problems)
    for name, limit in TEXTS.items():
        if config.get(name) is not None:
            out[name] = _text(config[name], f"config.{name}", limit, problems)
    for name, limits in LISTS.items():
        if config.get(name) is not None:
            out[name] = _texts(config[name], f"config.{name}", limits, problems)
    out["resource_types"], out["default_type"] = _types(config, problems)
    return {k: v for k, v in out.items() if v is not None}, problems


def store_appearance(
    db: Session,
    partner: Partner,
    config: Mapping[str, Any],
    images: FetchedImages,
    *,
    batch: BlobBatch | None = None,
) -> list[str]:
    """Check and store ``config`` as the partner's appearance, with the images ``fetch_images``
    made of it, in the caller's transaction (never commits). Returns the problems, each a
    plain message naming its field (``config.logo: …``). ``batch`` claims each image's blob
    and makes sure it is stored before a row names it (``BlobBatch.adopt``)."""
    stored, problems = normalise(config)
    before = dict(partner.appearance or {})
    rows = {
        r.field: r
        for r in db.scalars(select(PartnerImage).where(PartnerImage.partner_id == partner.id))
    }
    changed = False
    for name in IMAGE_FIELDS:
        outcome = images.fields.get(name)
        if outcome is not None and outcome.error is not None:
            problems.append(outcome.error)  # the previous text or image stays
            if name in before:
                stored[name] = before[name]
            continue
        row = rows.get(name)
        if outcome is not None and outcome.text is not None:
            stored[name] = outcome.text
        if outcome is not None and outcome.image is not None:
            changed |= _keep_image(db, partner.id, name, row, outcome.image, batch)
        elif row is not None:
            db.delete(row)
            changed = True
    if stored != before:
        partner.appearance = stored
        changed = True
    if changed:
        record(db, PartnerChanged(partner_id=partner.id))
    db.flush()
    return problems


def _keep_image(
    db: Session,
    partner_id: str,
    name: str,
    row: PartnerImage | None,
    image: ImageRef,
    batch: BlobBatch | None,
) -> bool:
    """Record ``image`` as the partner's ``name`` (and its blob); whether anything changed."""
    if batch is not None:
        batch.adopt(image.sha256, image.size)
        db.flush()
    elif db.get(Blob, image.sha256) is None:
        db.add(Blob(sha256=image.sha256, size=image.size))
        db.flush()  # before the row that references it (no relationship orders them)
    if row is not None and row.blob_sha256 == image.sha256 and row.media_type == image.media_type:
        if row.source_url != image.source_url:
            row.source_url = image.source_url
        return False
    if row is None:
        row = PartnerImage(partner_id=partner_id, field=name)
        db.add(row)
    row.blob_sha256, row.media_type, row.size = image.sha256, image.media_type, image.size
    row.source_url, row.stored_at = image.source_url[:URL_LENGTH], utcnow()
    return True
