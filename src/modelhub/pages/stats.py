"""``/stats``: the hub's download statistics (JSON twin ``?format=json``)."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import Response

from modelhub.accounts.deps import OptionalUser
from modelhub.deps import DbSession
from modelhub.pages.usage import usage_page
from modelhub.pages.usage_data import hub_page

router = APIRouter(include_in_schema=False)


@router.get("/stats")
def stats_page(request: Request, db: DbSession, user: OptionalUser) -> Response:
    """Download statistics of the hub: totals (people and bots apart), the most downloaded
    resources, consumer software, downloads over time."""
    return usage_page(request, hub_page(db), user=user)
