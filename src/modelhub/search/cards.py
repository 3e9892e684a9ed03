"""Search entries as the cards the API and the catalog page show (one code path)."""

from __future__ import annotations

from sqlalchemy.orm import Session

from modelhub.catalog.models import ResourceType
from modelhub.catalog.schemas import VersionSummary
from modelhub.catalog.views import published_summaries
from modelhub.links import Links
from modelhub.search import service
from modelhub.search.models import SearchEntry
from modelhub.search.schemas import ResourceCard, ResourcePage, SearchQuery


def card(
    entry: SearchEntry, links: Links, versions: list[VersionSummary] | None = None
) -> ResourceCard:
    label = f"v{entry.version_number}"
    return ResourceCard(
        id=entry.resource_id,
        emoji=entry.emoji,
        type=ResourceType(entry.type),
        name=entry.name,
        description=entry.description,
        license=entry.license,
        tags=list(entry.tags),
        created_at=entry.created_at,
        updated_at=entry.updated_at,
        published_at=entry.published_at,
        latest_version=label,
        url=links.resource_api(entry.resource_id),
        rdf_url=links.file(entry.resource_id, None, "rdf.yaml"),
        package_url=links.package(entry.resource_id, None),
        authors=list(entry.authors),
        # the listed version's file, by its version label: the URL changes when the listing does
        cover_url=links.file(entry.resource_id, label, entry.cover) if entry.cover else None,
        checks=dict(entry.checks),
        checked=entry.checked,
        compatible=list(entry.compatible or []),
        downloads=entry.downloads,
        versions=versions or [],
    )


def results_page(db: Session, query: SearchQuery, links: Links) -> ResourcePage:
    """One page of search results with the total and the facets."""
    found = service.search(db, query=query)
    # the published versions of the whole page in one query, not one per card
    versions = published_summaries(db, [e.resource_id for e in found.entries])
    return ResourcePage(
        items=[card(e, links, versions.get(e.resource_id)) for e in found.entries],
        total=found.total,
        page=query.page,
        per_page=query.per_page,
        sort=query.effective_sort,
        facets=found.facets,
    )
