"""JSON route of search: ``GET /api/v1/resources``, the catalog's listing and filters."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Query

from modelhub.catalog.models import ResourceType
from modelhub.deps import DbSession, HubDep
from modelhub.search import cards, params
from modelhub.search.models import WeightFormat
from modelhub.search.schemas import ResourcePage, SearchQuery, SortKey

router = APIRouter(prefix="/api/v1/resources", tags=["resources"])


def search_query(
    q: Annotated[str | None, Query(max_length=200, description="Words to look for")] = None,
    type: Annotated[ResourceType | None, Query(description="Resource type")] = None,
    tags: Annotated[
        list[str] | None, Query(description="Tags; all must match. Repeat or comma-separate.")
    ] = None,
    license: Annotated[
        str | None, Query(max_length=64, description="SPDX license identifier")
    ] = None,
    format: Annotated[
        list[WeightFormat] | None, Query(description="Weight formats; all must be present.")
    ] = None,
    checked: Annotated[bool, Query(description="Only resources whose latest check passed")] = False,
    compatible: Annotated[
        str | None,
        Query(
            max_length=64,
            description="Only resources whose latest version works with this partner or "
            "consumer software (its id): reported by the partner, or by the hub's check",
        ),
    ] = None,
    partner: Annotated[
        str | None,
        Query(
            max_length=32,
            description="A community partner's id: its items only (ids '<partner>/…' or its"
            " tags, of its resource types)",
        ),
    ] = None,
    sort: Annotated[
        SortKey | None, Query(description="Default: relevance with words, else newest")
    ] = None,
    page: Annotated[int, Query(ge=1, le=10_000)] = 1,
    per_page: Annotated[int, Query(ge=1, le=100)] = 20,
) -> SearchQuery:
    return params.build(
        q=q,
        type=type,
        tags=params.split(tags),
        license=license or None,
        formats=format or [],
        checked=checked,
        compatible=compatible or None,
        partner=partner or None,
        sort=sort,
        page=page,
        per_page=per_page,
    )


@router.get("")
def list_resources(
    hub: HubDep, db: DbSession, query: Annotated[SearchQuery, Depends(search_query)]
) -> ResourcePage:
    """Published resources matching words (name, tags, description, authors, documentation)
    and filters, which all combine with AND; one page of them, their total and facet counts
    (type, tags, license, weight format, passed checks) over all the results."""
    return cards.results_page(db, query, hub.links)
