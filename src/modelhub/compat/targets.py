"""The bit of each consumer in the search entries' ``compat_mask``.

A consumer (partner id or consumer software id) gets the next free bit the first time a
version is found compatible with it, and keeps it. 62 bits fit the column (a signed 64-bit
integer, negated nowhere); a 63rd consumer gets none and the catalog filter does not find it
(logged), which a hub with that many partners would widen into a second column."""

from __future__ import annotations

import logging
from collections.abc import Iterable

from sqlalchemy import func, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from modelhub.compat.models import CompatTarget

MAX_BITS = 62
log = logging.getLogger(__name__)


def bit_of(db: Session, target_id: str, *, create: bool) -> int | None:
    """The bit (0…61) of ``target_id``; given now when ``create`` and it has none yet."""
    found = db.scalar(select(CompatTarget.bit).where(CompatTarget.id == target_id))
    if found is not None or not create:
        return found
    insert = postgresql.insert if db.get_bind().dialect.name == "postgresql" else sqlite.insert
    for _ in range(5):  # two processes taking the same free bit: one wins, the other retries
        used = db.scalar(select(func.max(CompatTarget.bit)))
        bit = 0 if used is None else used + 1
        if bit >= MAX_BITS:
            log.warning("no compatibility bit left for %r: the filter will not find it", target_id)
            return None
        db.execute(insert(CompatTarget).values(id=target_id, bit=bit).on_conflict_do_nothing())
        found = db.scalar(select(CompatTarget.bit).where(CompatTarget.id == target_id))
        if found is not None:
            return found
    return None


def mask_of(db: Session, target_ids: Iterable[str]) -> int:
    """The mask of the given consumers (bits given to those that have none yet)."""
    mask = 0
    for target_id in target_ids:
        bit = bit_of(db, target_id, create=True)
        if bit is not None:
            mask |= 1 << bit
    return mask
