"""Rendering pages and their JSON twins from the same data, and errors for people and tools."""

from __future__ import annotations

import secrets
from typing import Any

from fastapi import Request
from fastapi.responses import JSONResponse, Response
from fastapi.templating import Jinja2Templates
from pydantic import BaseModel

from modelhub.errors import HubError
from modelhub.web.cookies import CSRF_COOKIE


def templates_of(request: Request) -> Jinja2Templates | None:
    """The templates of the hub serving ``request`` (None outside a hub's app)."""
    hub = getattr(request.app.state, "hub", None)
    templates = getattr(hub, "templates", None)
    return templates if isinstance(templates, Jinja2Templates) else None


def wants_json(request: Request) -> bool:
    """``?format=json`` or an Accept header preferring JSON asks for a page's JSON twin."""
    if request.query_params.get("format") == "json":
        return True
    accept = request.headers.get("accept", "")
    return "application/json" in accept and "text/html" not in accept


def page(
    request: Request,
    template: str,
    data: BaseModel,
    *,
    status_code: int = 200,
    extra: dict[str, Any] | None = None,
) -> Response:
    """The HTML page, or its JSON twin (``data`` exactly as the template gets it)."""
    if wants_json(request):
        return JSONResponse(data.model_dump(mode="json"), status_code=status_code)
    templates = templates_of(request)
    if templates is None:
        raise RuntimeError("pages are rendered by a hub's app (app.state.hub)")
    token = csrf_token(request)
    context = {"data": data, "csrf": token, "user": None, **(extra or {})}
    response = templates.TemplateResponse(request, template, context, status_code=status_code)
    response.set_cookie(CSRF_COOKIE, token, httponly=True, samesite="strict")
    return response


def error_response(request: Request, exc: HubError) -> Response:
    is_api = request.url.path.startswith(
        ("/api/", "/artifacts/", "/id_map", "/public/", "/matomo.php", "/index.php")
    )
    templates = templates_of(request)
    if is_api or wants_json(request) or templates is None:
        return JSONResponse(exc.as_json(), status_code=exc.status_code)
    return templates.TemplateResponse(
        request, "error.html", {"error": exc, "user": None}, status_code=exc.status_code
    )


def csrf_token(request: Request) -> str:
    """The CSRF token of this browser (double-submit: cookie and form field must agree)."""
    return request.cookies.get(CSRF_COOKIE) or secrets.token_urlsafe(24)


def csrf_ok(request: Request, submitted: str | None) -> bool:
    cookie = request.cookies.get(CSRF_COOKIE)
    return bool(cookie and submitted and secrets.compare_digest(cookie, submitted))
