"""The search's URL parameters: reading them into a ``SearchQuery`` and writing a query back
as a URL, so that every state of the catalog page is a link (back, forward, shared links)."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from fastapi.exceptions import RequestValidationError
from pydantic import ValidationError
from starlette.datastructures import QueryParams

from modelhub.links import Links
from modelhub.search.schemas import SearchQuery

DEFAULT_PER_PAGE = 20
# the field each URL parameter fills (``format`` is plural inside: several may be given)
_PARAM_OF_FIELD = {"formats": "format"}


def split(values: Iterable[str] | None) -> list[str]:
    """Repeated parameters, each possibly comma-separated (``tags=a,b&tags=c``)."""
    return [v.strip() for raw in values or [] for v in raw.split(",") if v.strip()]


def build(**raw: Any) -> SearchQuery:
    """A ``SearchQuery`` from raw parameter values; invalid ones raise the request validation
    error the API answers with 422 (its ``loc`` names the URL parameter)."""
    try:
        return SearchQuery.model_validate(raw)
    except ValidationError as exc:
        errors = []
        for error in exc.errors():
            loc = list(error.get("loc", ()))
            if loc and loc[0] in _PARAM_OF_FIELD:
                loc[0] = _PARAM_OF_FIELD[str(loc[0])]
            errors.append({**error, "loc": ("query", *loc)})
        raise RequestValidationError(errors) from None


def from_params(params: QueryParams) -> SearchQuery:
    """The query of a catalog page URL (``format=json`` asks for the JSON twin: not a filter)."""
    raw: dict[str, Any] = {
        "tags": split(params.getlist("tags")),
        "formats": [f for f in split(params.getlist("format")) if f != "json"],
    }
    for name in ("q", "type", "license", "compatible", "partner", "sort", "page", "per_page"):
        value = params.get(name)
        if value is not None and value.strip():
            raw[name] = value.strip() if name != "q" else value
    if params.get("checked"):
        raw["checked"] = params["checked"]
    return build(**raw)


def to_params(query: SearchQuery) -> list[tuple[str, str]]:
    """The URL parameters of ``query`` (defaults left out, so URLs stay short)."""
    out: list[tuple[str, str]] = []
    if query.partner:
        out.append(("partner", query.partner))
    if query.q and query.q.strip():
        out.append(("q", query.q))
    if query.type is not None:
        out.append(("type", query.type.value))
    out += [("tags", t) for t in query.tags]
    if query.license:
        out.append(("license", query.license))
    out += [("format", f) for f in query.formats]
    if query.checked:
        out.append(("checked", "true"))
    if query.compatible:
        out.append(("compatible", query.compatible))
    if query.sort is not None:
        out.append(("sort", query.sort))
    if query.per_page != DEFAULT_PER_PAGE:
        out.append(("per_page", str(query.per_page)))
    if query.page > 1:
        out.append(("page", str(query.page)))
    return out


def url(query: SearchQuery) -> str:
    """The catalog page showing ``query``."""
    return Links.catalog_path(to_params(query))
