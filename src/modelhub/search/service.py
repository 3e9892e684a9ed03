"""Searching the index: one page of entries, the total and the facet counts. Services take
keyword arguments and never commit."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from typing import Literal

from sqlalchemy import ColumnElement, func, select
from sqlalchemy.orm import Session

from modelhub.catalog.models import ResourceTag
from modelhub.compat import targets
from modelhub.partners.looks import Scope
from modelhub.search import memory, memory_query, partner_filter
from modelhub.search import query as build
from modelhub.search.models import FORMAT_BITS, SearchCount, SearchEntry
from modelhub.search.schemas import Facets, FacetValue, SearchQuery

TOP_TAGS = 30
TOP_LICENSES = 30


@dataclass
class SearchResult:
    entries: list[SearchEntry]
    total: int
    facets: Facets
    source: Literal["memory", "sql"] = "sql"  # which path answered


def search(db: Session, *, query: SearchQuery, use_memory: bool = True) -> SearchResult:
    """The page of published resources matching ``query`` (all conditions combine with AND),
    its total, and facet counts over all the results. The copy of the index in memory answers
    when it is current (``search.memory``), SQL otherwise (and always without ``use_memory``);
    both give the same answer. ``query.partner`` names a partner (``PartnerNotFound`` when
    there is none) whose items only are searched (``search.partner_filter``)."""
    compat = compat_bits(db, query)
    scope = partner_filter.scope_for(db, query.partner)
    accelerator = memory.of(db) if use_memory else None
    snap = accelerator.current(db) if accelerator is not None else None
    if snap is not None:
        within = partner_filter.memory_mask(db, snap, scope) if scope is not None else None
        found = memory_query.run(snap, query, top_tags=TOP_TAGS, compat=compat, within=within)
        return SearchResult(
            entries=_entries(db, found.entry_ids),
            total=found.total,
            facets=_facets(found.counts, query, found.total),
            source="memory",
        )
    return _search_sql(db, query, compat, scope)


def compat_bits(db: Session, query: SearchQuery) -> int | None:
    """The bit of ``query.compatible`` (one lookup of a small table); 0 for a consumer nothing
    was ever found compatible with, None without the filter."""
    if not query.compatible:
        return None
    bit = targets.bit_of(db, query.compatible.strip(), create=False)
    return 0 if bit is None else 1 << bit


def _entries(db: Session, ids: list[int]) -> list[SearchEntry]:
    rows = {e.id: e for e in db.scalars(select(SearchEntry).where(SearchEntry.id.in_(ids)))}
    return [rows[i] for i in ids if i in rows]


def _search_sql(
    db: Session, query: SearchQuery, compat: int | None, scope: Scope | None
) -> SearchResult:
    conds = build.conditions(query, db.get_bind().dialect.name, compat)
    if scope is not None:
        conds += partner_filter.sql_conditions(scope)
    # ids first: sorting narrow rows is much cheaper than sorting whole entries
    ids = list(
        db.scalars(
            select(SearchEntry.id)
            .where(*conds)
            .order_by(*build.ordering(query))
            .offset((query.page - 1) * query.per_page)
            .limit(query.per_page)
        )
    )
    entries = _entries(db, ids)
    if conds:
        total, facets = _facets_of_results(db, conds, query)
    else:
        total, facets = _facets_of_everything(db, query)
    return SearchResult(entries=entries, total=total, facets=facets)


def _facets_of_results(
    db: Session, conds: list[ColumnElement[bool]], query: SearchQuery
) -> tuple[int, Facets]:
    # one pass for every facet but tags: groups of (type, license, checked, formats) are few
    groups = db.execute(
        select(
            SearchEntry.type,
            SearchEntry.license,
            SearchEntry.checked,
            SearchEntry.formats_mask,
            func.count(),
        )
        .where(*conds)
        .group_by(
            SearchEntry.type, SearchEntry.license, SearchEntry.checked, SearchEntry.formats_mask
        )
    ).all()
    counts: Counter[tuple[str, str]] = Counter()
    total = 0
    for type_, license_, checked, mask, n in groups:
        total += n
        counts["type", type_] += n
        counts["license", license_ or ""] += n
        if checked:
            counts["checked", "true"] += n
        for name, bit in FORMAT_BITS.items():
            if mask & bit:
                counts["format", name] += n
    tag_rows = db.execute(
        select(ResourceTag.tag, func.count().label("n"))
        .join(SearchEntry, SearchEntry.resource_id == ResourceTag.resource_id)
        .where(*conds)
        .group_by(ResourceTag.tag)
        .order_by(func.count().desc(), ResourceTag.tag)
        .limit(TOP_TAGS)
    ).all()
    for tag, n in tag_rows:
        counts["tag", tag] = n
    return total, _facets(counts, query, total)


def _facets_of_everything(db: Session, query: SearchQuery) -> tuple[int, Facets]:
    """No condition: the counts kept with the index are the facets (no scan of the catalog)."""
    small = db.execute(
        select(SearchCount.facet, SearchCount.value, SearchCount.count).where(
            SearchCount.facet != "tag"
        )
    ).all()
    tags = db.execute(
        select(SearchCount.facet, SearchCount.value, SearchCount.count)
        .where(SearchCount.facet == "tag")
        .order_by(SearchCount.count.desc(), SearchCount.value)
        .limit(TOP_TAGS)
    ).all()
    counts: Counter[tuple[str, str]] = Counter({(f, v): n for f, v, n in [*small, *tags]})
    total = sum(n for (facet, _), n in counts.items() if facet == "type")
    return total, _facets(counts, query, total)


def _facets(counts: Counter[tuple[str, str]], query: SearchQuery, total: int) -> Facets:
    def values(facet: str, selected: set[str], limit: int | None = None) -> list[FacetValue]:
        found = sorted(
            ((v, n) for (f, v), n in counts.items() if f == facet and n > 0 and v),
            key=lambda item: (-item[1], item[0]),
        )[:limit]
        out = [FacetValue(value=v, count=n, selected=v in selected) for v, n in found]
        # a selected value stays visible (to be removed) even when it is not among the top
        listed = {v for v, _ in found}
        out += [FacetValue(value=v, count=total, selected=True) for v in sorted(selected - listed)]
        return out

    tags = set(build.clean_tags(query.tags))
    return Facets(
        type=values("type", {query.type.value} if query.type else set()),
        tags=values("tag", tags, TOP_TAGS),
        license=values("license", {query.license} if query.license else set(), TOP_LICENSES),
        format=values("format", set(query.formats)),
        checked=counts["checked", "true"],
    )
