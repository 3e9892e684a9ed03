"""Building the SQL of a search: conditions (AND), relevance and orders, the same on both
engines except for the one full-text condition."""

from __future__ import annotations

from typing import Any

from sqlalchemy import ColumnElement, case, false, literal, or_, select
from sqlalchemy.sql.elements import UnaryExpression

from modelhub.catalog.models import ResourceTag
from modelhub.catalog.tags import canonical_tags
from modelhub.search import fts
from modelhub.search import tokens as tok
from modelhub.search.models import FORMAT_BITS, SearchEntry
from modelhub.search.schemas import SearchQuery, SortKey

# a word found in the name counts more than in the tags, … down to the documentation (the only
# place left when the full text matched and no listed field holds it)
FIELD_WEIGHTS = (
    (SearchEntry.name_tokens, 16),
    (SearchEntry.tag_tokens, 8),
    (SearchEntry.description_tokens, 4),
    (SearchEntry.author_tokens, 2),
)
DOC_WEIGHT = 1


def clean_tags(tags: list[str]) -> list[str]:
    """Tags as the index keeps them (trimmed, lower-case, synonyms replaced by the vocabulary's
    word: ``nucleus`` finds ``nuclei``), each once, in the order given."""
    return canonical_tags(tags)


def format_mask(formats: list[str]) -> int:
    return sum(FORMAT_BITS[f] for f in dict.fromkeys(formats))


def conditions(
    query: SearchQuery, dialect: str, compat: int | None = None
) -> list[ColumnElement[bool]]:
    """Everything the results must satisfy; all of it (AND). ``compat``: the bit of
    ``query.compatible`` (0 when that consumer has none: nothing is compatible with it)."""
    out: list[ColumnElement[bool]] = []
    terms = tok.terms(query.q)
    if terms:
        out.append(fts.matches(dialect, terms))
    if query.type is not None:
        out.append(SearchEntry.type == query.type.value)
    if query.license:
        out.append(SearchEntry.license == query.license)
    if query.formats:
        mask = format_mask(list(query.formats))
        out.append(SearchEntry.formats_mask.op("&")(mask) == mask)
    if query.checked:
        out.append(SearchEntry.checked.is_(True))
    if compat is not None:
        out.append(SearchEntry.compat_mask.op("&")(compat) != 0 if compat else false())
    for tag in clean_tags(query.tags):
        # not correlated: the set of resources with the tag comes from its index once
        tagged = select(ResourceTag.resource_id).where(ResourceTag.tag == tag)
        out.append(SearchEntry.resource_id.in_(tagged))
    return out


def relevance(terms: list[tok.Term]) -> ColumnElement[Any]:
    """Sum over the terms of the weight of the best field holding the term: plain LIKEs on
    stored tokens, so that both engines compute the same numbers."""
    total: ColumnElement[Any] = literal(0)
    for term in terms:
        patterns = term.like_patterns()
        whens = [
            (or_(*(column.like(p) for p in patterns)), weight) for column, weight in FIELD_WEIGHTS
        ]
        total = total + case(*whens, else_=DOC_WEIGHT)
    return total


def ordering(query: SearchQuery) -> list[UnaryExpression[Any]]:
    """The ORDER BY of the query's sort; every order ends with the resource id (stable pages,
    the same order on both engines)."""
    sort: SortKey = query.effective_sort
    if sort == "name":
        return [SearchEntry.name_key.asc(), SearchEntry.resource_id.asc()]
    if sort == "oldest":
        return [SearchEntry.updated_at.asc(), SearchEntry.resource_id.asc()]
    if sort == "downloads":
        return [
            SearchEntry.downloads.desc(),
            SearchEntry.updated_at.desc(),
            SearchEntry.resource_id.desc(),
        ]
    newest: list[UnaryExpression[Any]] = [
        SearchEntry.updated_at.desc(),
        SearchEntry.resource_id.desc(),
    ]
    terms = tok.terms(query.q)
    if sort == "relevance" and terms:
        return [relevance(terms).desc(), *newest]
    return newest
