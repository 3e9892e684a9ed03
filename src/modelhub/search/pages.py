"""The catalog page: search, filters, facets and cards; its JSON twin is the same data."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Request
from fastapi.responses import Response
from pydantic import BaseModel

from modelhub.catalog import views
from modelhub.catalog.api import search_query
from modelhub.catalog.schemas import ResourcePage, SearchQuery
from modelhub.deps import DbSession, HubDep, OptionalUser
from modelhub.web import render

router = APIRouter(include_in_schema=False)


class HomePage(BaseModel):
    query: SearchQuery
    results: ResourcePage


@router.get("/")
def home(
    request: Request,
    hub: HubDep,
    db: DbSession,
    user: OptionalUser,
    query: Annotated[SearchQuery, Depends(search_query)],
) -> Response:
    """Published resources with a search box."""
    links = views.Links(hub.settings.public_base)
    data = HomePage(query=query, results=views.resource_page(db, query, links))
    return render.page(request, "home.html", data, extra={"user": user})
