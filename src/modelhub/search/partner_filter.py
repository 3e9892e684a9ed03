"""The catalog's ``partner`` filter: a partner's items are the resources in its namespace
(``<partner id>/…``) or carrying one of its tags, of its resource types only (its collection's
``config``: ``partners.looks.Scope``). One query reads the partner; the SQL path adds two
conditions, the in-memory path one mask (one more query: the namespace's entry ids)."""

from __future__ import annotations

import numpy as np
import numpy.typing as npt
from sqlalchemy import ColumnElement, func, or_, select
from sqlalchemy.orm import Session

from modelhub.catalog.models import ResourceTag
from modelhub.partners.looks import Scope, scope_of
from modelhub.partners.models import Partner
from modelhub.partners.rules import PartnerNotFound
from modelhub.search.memory_store import Snapshot
from modelhub.search.models import SearchEntry
from modelhub.search.query import clean_tags

Mask = npt.NDArray[np.bool_]


def scope_for(db: Session, partner_id: str | None) -> Scope | None:
    """The scope of the partner the query names (None: no partner filter);
    ``PartnerNotFound`` (404) for an unknown partner."""
    if partner_id is None:
        return None
    partner = db.get(Partner, partner_id)
    if partner is None:
        raise PartnerNotFound(partner_id)
    return scope_of(partner)


def _in_namespace(scope: Scope) -> ColumnElement[bool]:
    # substr, not LIKE: no character of an id needs escaping
    return func.substr(SearchEntry.resource_id, 1, len(scope.prefix)) == scope.prefix


def sql_conditions(scope: Scope) -> list[ColumnElement[bool]]:
    """What the partner's items satisfy (AND with the query's other conditions)."""
    tags = clean_tags(list(scope.tags))
    ours = _in_namespace(scope)
    if tags:
        tagged = select(ResourceTag.resource_id).where(ResourceTag.tag.in_(tags))
        ours = or_(ours, SearchEntry.resource_id.in_(tagged))
    return [ours, SearchEntry.type.in_(scope.types)]


def memory_mask(db: Session, snap: Snapshot, scope: Scope) -> Mask:
    """The documents of ``snap`` that are the partner's items (dead ones included: the
    caller's mask starts from the live ones)."""
    ids = list(db.scalars(select(SearchEntry.id).where(_in_namespace(scope))))
    mask = np.isin(snap.entry_ids, np.asarray(ids, dtype=np.int64))
    for tag in clean_tags(list(scope.tags)):
        docs = snap.tag_docs(tag)
        if docs is not None:
            mask[docs] = True
    codes = [snap.types.index(t) for t in scope.types if t in snap.types]
    return mask & np.isin(snap.type_codes, np.asarray(codes, dtype=np.int64))
