"""``/matomo.php``: the tracking URL consumer software already sends (GET, POST form, bulk POST
JSON ``{"requests": ["?idsite=1&…", …]}``), and the reports at ``/index.php`` (``/`` with
``module=API`` is routed there by ``ReportsAtRoot``). Tokens are optional: reports are
anonymous."""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any
from urllib.parse import parse_qs, urlsplit

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse, Response
from starlette.types import ASGIApp, Receive, Scope, Send

from modelhub.analytics import matomo
from modelhub.analytics.ingest import Client, ReportRefused, append, parse, row_of
from modelhub.analytics.limits import ReportLimiter
from modelhub.db import utcnow
from modelhub.deps import DbSession, HubDep
from modelhub.errors import HubError

router = APIRouter(tags=["analytics"])
# a 1x1 transparent GIF: what matomo answers a tracking request with
PIXEL = bytes.fromhex(
    "47494638396101000100800000000000ffffff21f90401000000002c00000000010001000002024401003b"
)
MAX_BULK = 10_000


class TooManyReports(HubError):
    def __init__(self, retry_after: float) -> None:
        super().__init__(
            message="Too many download reports from this address; try again later.",
            status_code=429,
            code="usage_rate_limited",
        )
        self.retry_after = retry_after


def client_of(request: Request) -> Client:
    address = request.client.host if request.client else "unknown"
    return Client(address=address, user_agent=request.headers.get("user-agent", ""))


def limit(request: Request, hub: HubDep, count: int) -> None:
    limiter = getattr(request.app.state, "usage_limiter", None)
    if limiter is None:
        limiter = ReportLimiter(hub.settings.usage_reports_per_minute)
        request.app.state.usage_limiter = limiter
    wait = limiter.take(client_of(request).address, count)
    if wait:
        raise TooManyReports(wait)


def _flat(params: Mapping[str, list[str]]) -> dict[str, str]:
    return {k: v[0] for k, v in params.items() if v}


async def _params(request: Request) -> tuple[list[dict[str, str]] | None, dict[str, str]]:
    """(bulk requests or None, the single request's parameters)."""
    params = dict(request.query_params)
    if request.method != "POST":
        return None, params
    body = await request.body()
    kind = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if kind == "application/json" or body.lstrip().startswith(b"{"):
        try:
            data = json.loads(body)
        except ValueError:
            raise ReportRefused(
                "The body is not JSON.", code="usage_bad_bulk", field="body"
            ) from None
        requests = data.get("requests") if isinstance(data, dict) else None
        if not isinstance(requests, list) or not all(isinstance(r, str) for r in requests):
            raise ReportRefused(
                'A bulk request is {"requests": ["?idsite=1&…", …]}.',
                code="usage_bad_bulk",
                field="requests",
            )
        if len(requests) > MAX_BULK:
            raise ReportRefused(
                f"At most {MAX_BULK} requests in one bulk.", code="usage_bad_bulk", field="requests"
            )
        return [_flat(parse_qs(urlsplit(r).query or r.lstrip("?"))) for r in requests], params
    form = _flat(parse_qs(body.decode("utf-8", "replace")))
    return None, params | form


@router.get("/matomo.php", include_in_schema=True)
@router.post("/matomo.php")
async def track(request: Request, hub: HubDep, db: DbSession) -> Response:
    """Count a download reported in matomo's tracking parameters (``download=`` a DOI, a hub
    URL or an id; ``uadata`` brands name the consumer software). Unknown → 400, nothing kept."""
    bulk, params = await _params(request)
    client = client_of(request)
    now = utcnow()
    if bulk is None:
        limit(request, hub, 1)
        report = parse(db, params, client)
        append(db, [row_of(db, report, now=now)])
        db.commit()
        if params.get("send_image") == "0":
            return Response(status_code=204)
        return Response(PIXEL, media_type="image/gif")
    limit(request, hub, max(1, len(bulk)))
    rows: list[dict[str, Any]] = []
    invalid: list[int] = []
    for index, one in enumerate(bulk):
        try:
            rows.append(row_of(db, parse(db, one, client), now=now))
        except ReportRefused:
            invalid.append(index)
    append(db, rows)
    db.commit()
    body = {
        "status": "success" if rows or not bulk else "error",
        "tracked": len(rows),
        "invalid": len(invalid),
        "invalid_indices": invalid,
    }
    return JSONResponse(body, status_code=200 if rows or not bulk else 400)


@router.get("/index.php")
def reports(request: Request, hub: HubDep, db: DbSession) -> JSONResponse:
    """Matomo's reporting API, the supported subset: ``Live.getCounters``,
    ``Actions.getDownloads``, ``Actions.getDownload`` (``format=JSON``)."""
    params = dict(request.query_params)
    if params.get("module") != "API":
        return JSONResponse(matomo.error("Only module=API is served here."), status_code=400)
    status, body = matomo.answer(db, hub.links, params)
    return JSONResponse(body, status_code=status)


class ReportsAtRoot:
    """``GET /?module=API&…`` is matomo's reporting URL; ``/`` is also the catalog: only a query
    with ``module=API`` goes to the reports, every other stays the catalog's."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and scope.get("path") == "/":
            query = parse_qs(scope.get("query_string", b"").decode("latin-1"))
            if query.get("module") == ["API"]:
                scope = dict(scope, path="/index.php", raw_path=b"/index.php")
        await self.app(scope, receive, send)
