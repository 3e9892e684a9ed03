"""Answering a search from a ``Snapshot``: the same matches, relevance, orders and facet
counts as the SQL of ``search.query`` and ``search.service``, computed with numpy over the
matching live documents only."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from modelhub.search import tokens as tok
from modelhub.search.memory_parts import DocArray, FieldIndex, IntArray
from modelhub.search.memory_store import Snapshot
from modelhub.search.models import FORMAT_BITS
from modelhub.search.query import DOC_WEIGHT, clean_tags, format_mask
from modelhub.search.schemas import SearchQuery

Mask = npt.NDArray[np.bool_]
# ascending, so that a heavier field holding the term overwrites a lighter one (the best wins)
WEIGHTS = (("authors", 2), ("description", 4), ("tags", 8), ("name", 16))


@dataclass
class Found:
    entry_ids: list[int]  # the page, in order
    total: int
    counts: Counter[tuple[str, str]]  # facet counts as ``service._facets`` takes them


def _term_docs(postings: FieldIndex, term: tok.Term) -> DocArray:
    parts = [postings.docs_of(form, term.prefix) for form in term.forms]
    return parts[0] if len(parts) == 1 else np.concatenate(parts)


def _having(size: int, docs: DocArray | IntArray) -> Mask:
    hit = np.zeros(size, dtype=np.bool_)
    hit[docs] = True
    return hit


def _code(names: list[str], value: str) -> int:
    return names.index(value) if value in names else -1


def matching(
    snap: Snapshot,
    query: SearchQuery,
    terms: list[tok.Term],
    compat: int | None = None,
    within: Mask | None = None,
) -> Mask:
    """The live documents meeting every condition of the query (``search.query.conditions``;
    ``compat``: the bit of its ``compatible``), among ``within`` when given (the partner
    filter: ``search.partner_filter``)."""
    mask = snap.alive.copy()
    if within is not None:
        mask &= within
    for term in terms:
        mask &= _having(snap.size, _term_docs(snap.fields["text"], term))
    if query.type is not None:
        mask &= snap.type_codes == _code(snap.types, query.type.value)
    if query.license:
        mask &= snap.license_codes == _code(snap.licenses, query.license)
    if query.formats:
        bits = format_mask(list(query.formats))
        mask &= (snap.formats & bits) == bits
    if query.checked:
        mask &= snap.checked
    if compat is not None:
        mask &= (snap.compat & compat) != 0
    for tag in clean_tags(query.tags):
        docs = snap.tag_docs(tag)
        if docs is None:
            return np.zeros(snap.size, dtype=np.bool_)
        mask &= _having(snap.size, docs)
    return mask


def relevance(snap: Snapshot, terms: list[tok.Term]) -> IntArray:
    """Per document: the sum over the terms of the weight of the best field holding it."""
    score = np.zeros(snap.size, dtype=np.int64)
    for term in terms:
        best = np.full(snap.size, DOC_WEIGHT, dtype=np.int64)
        for field, weight in WEIGHTS:
            best[_term_docs(snap.fields[field], term)] = weight
        score += best
    return score


def sort_keys(
    snap: Snapshot, query: SearchQuery, terms: list[tok.Term], docs: IntArray
) -> tuple[IntArray, IntArray | None]:
    """Keys whose ascending order (the first, then the second for ties) is the query's order
    (``search.query.ordering``, tie-breakers included); the order keys are distinct."""
    sort = query.effective_sort
    if sort == "name":
        return snap.name_key[docs], None
    if sort == "oldest":
        return snap.time_key[docs], None
    if sort == "downloads":
        return -snap.downloads[docs], -snap.time_key[docs]
    if sort == "relevance" and terms:
        return -relevance(snap, terms)[docs], -snap.time_key[docs]
    return -snap.time_key[docs], None


def page_of(first: IntArray, second: IntArray | None, offset: int, limit: int) -> IntArray:
    """Positions (into the keys) of the page: only the first ``offset + limit`` are sorted."""
    end = min(len(first), offset + limit)
    if offset >= end:
        return np.zeros(0, dtype=np.int64)
    if second is None:
        top = np.argpartition(first, end - 1)[:end] if end < len(first) else np.arange(end)
        return top[np.argsort(first[top], kind="stable")][offset:end]
    # everything below the end-th first key is in; among the ties, the smallest second keys
    bound = np.partition(first, end - 1)[end - 1] if end < len(first) else first.max()
    below = np.flatnonzero(first < bound)
    ties = np.flatnonzero(first == bound)
    need = end - len(below)
    if need < len(ties):
        ties = ties[np.argpartition(second[ties], need - 1)[:need]]
    chosen = np.concatenate((below, ties))
    return chosen[np.lexsort((second[chosen], first[chosen]))][offset:end]


def facet_counts(snap: Snapshot, mask: Mask, top_tags: int) -> Counter[tuple[str, str]]:
    """What ``service._facets_of_results`` counts: every type, license, format and passed
    check among the matches, and the ``top_tags`` most frequent tags (ties: the database's
    order of tags)."""
    counts: Counter[tuple[str, str]] = Counter()
    for facet, names, codes in (
        ("type", snap.types, snap.type_codes),
        ("license", snap.licenses, snap.license_codes),
    ):
        for code, n in enumerate(np.bincount(codes[mask], minlength=len(names)).tolist()):
            if n:
                counts[facet, names[code]] = n
    checked = int(np.count_nonzero(snap.checked & mask))
    if checked:
        counts["checked", "true"] = checked
    formats = snap.formats[mask]
    for name, bit in FORMAT_BITS.items():
        n = int(np.count_nonzero(formats & bit))
        if n:
            counts["format", name] = n
    per_tag = np.zeros(len(snap.tag_key), dtype=np.int64)
    offsets, docs = snap.base_tags  # grouped by tag, none empty: one sum per group
    if len(docs):
        per_tag[: len(offsets) - 1] = np.add.reduceat(mask[docs], offsets[:-1], dtype=np.int64)
    extra_docs, extra_codes = snap.extra_pairs
    per_tag += np.bincount(extra_codes[mask[extra_docs]], minlength=len(per_tag))
    present = np.flatnonzero(per_tag)
    top = present[np.lexsort((snap.tag_key[present], -per_tag[present]))][:top_tags]
    for code in top.tolist():
        counts["tag", snap.tags[code]] = int(per_tag[code])
    return counts


def run(
    snap: Snapshot,
    query: SearchQuery,
    *,
    top_tags: int,
    compat: int | None = None,
    within: Mask | None = None,
) -> Found:
    """The page's entry ids, the total and the facet counts of ``query`` (``compat``: the bit
    of its ``compatible``, as ``query.conditions`` takes it; among ``within``)."""
    terms = tok.terms(query.q)
    mask = matching(snap, query, terms, compat, within)
    docs = np.flatnonzero(mask)
    first, second = sort_keys(snap, query, terms, docs)
    page = page_of(first, second, (query.page - 1) * query.per_page, query.per_page)
    return Found(
        entry_ids=snap.entry_ids[docs[page]].tolist(),
        total=len(docs),
        counts=facet_counts(snap, mask, top_tags),
    )
