"""The catalog page: search, filters, facets and cards; its JSON twin is the same data."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import Response
from pydantic import BaseModel

from modelhub.accounts.deps import OptionalUser
from modelhub.compat.consumers import CONSUMERS
from modelhub.deps import DbSession, HubDep
from modelhub.partners import views as partner_views
from modelhub.partners.registry import list_partners
from modelhub.partners.rules import PartnerNotFound
from modelhub.partners.schemas import PartnerBadge
from modelhub.search import cards, params
from modelhub.search.links import TYPE_LABELS, CatalogLinks
from modelhub.search.schemas import ResourcePage, SearchQuery
from modelhub.web import render

router = APIRouter(include_in_schema=False)

SORT_LABELS = {
    "relevance": "Relevance",
    "newest": "Newest",
    "oldest": "Oldest",
    "name": "Name",
    "downloads": "Downloads",
}


class Choice(BaseModel):
    id: str
    name: str


class CatalogPage(BaseModel):
    query: SearchQuery
    results: ResourcePage
    error: str | None = None
    # what the "works with" filter offers: the partners and the consumer software the hub
    # knows the weight formats of
    compatible_choices: list[Choice] = []
    partner: PartnerBadge | None = None  # the partner the catalog is filtered to
    partners: list[PartnerBadge] = []  # the community partners' logos (home page)


def compat_choices(db: DbSession) -> list[Choice]:
    found = {c.id: Choice(id=c.id, name=c.name) for c in CONSUMERS}
    found |= {p.id: Choice(id=p.id, name=p.name) for p in list_partners(db)}
    return sorted(found.values(), key=lambda c: c.name.lower())


def _problem(exc: RequestValidationError) -> str:
    names = sorted({str(e["loc"][1]) for e in exc.errors() if len(e.get("loc", ())) > 1})
    which = ", ".join(names) or "the address"
    return (
        f"Some search settings in this address are not valid ({which}), so all resources are "
        "shown instead. Choose filters on this page to search again."
    )


@router.get("/")
def catalog(request: Request, hub: HubDep, db: DbSession, user: OptionalUser) -> Response:
    """Published resources: words, filters (type, tags, license, weight format, passed checks,
    compatible software), sorting and pages, all in the URL."""
    error = None
    status = 200
    try:
        query = params.from_params(request.query_params)
    except RequestValidationError as exc:
        query, error, status = SearchQuery(), _problem(exc), 422
    links = hub.links
    try:
        results = cards.results_page(db, query, links)
    except PartnerNotFound as exc:
        query, error, status = SearchQuery(), f"{exc.message} All resources are shown.", 404
        results = cards.results_page(db, query, links)
    badges = partner_views.badges(db)
    partner = next((b for b in badges if b.id == query.partner), None)
    data = CatalogPage(
        query=query,
        results=results,
        error=error,
        compatible_choices=compat_choices(db),
        partner=partner,
        partners=badges,
    )
    types = TYPE_LABELS
    if partner is not None:  # the partner's resource types only
        types = {k: v for k, v in TYPE_LABELS.items() if k in partner.resource_types}
    context = {
        "user": user,
        "links": CatalogLinks(query),
        "type_labels": types,
        "sort_labels": SORT_LABELS,
    }
    return render.page(request, "catalog.html", data, status_code=status, extra=context)
