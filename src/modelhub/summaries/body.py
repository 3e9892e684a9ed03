"""Reading a pushed body: JSON or YAML (safely: ``uploads.yamlsafe``), one summary, a list, or
``{"summaries": [...]}``; every item checked strictly, every problem with its field path."""

from __future__ import annotations

import json
from typing import Any

from pydantic import ValidationError

from modelhub.compat.documents import Problem, Refused, Summary, SummaryPush, summaries_of
from modelhub.errors import ErrorDetail, HubError
from modelhub.uploads.yamlsafe import parse_description_yaml

MAX_ITEMS = 200
JSON_TYPES = ("application/json",)
YAML_TYPES = ("application/yaml", "application/x-yaml", "text/yaml", "text/x-yaml")


class SummariesRefused(HubError):
    """422 ``invalid_summary``: what is wrong, where (``details``); nothing was stored."""

    def __init__(self, problems: list[Problem]) -> None:
        first = problems[0]
        where = ".".join(str(p) for p in first.loc)
        more = f" (and {len(problems) - 1} more problems)" if len(problems) > 1 else ""
        super().__init__(
            message=f"{where}: {first.msg}{more}. Nothing was stored.",
            details=tuple(ErrorDetail(p.loc, p.msg) for p in problems[:50]),
            status_code=422,
            code="invalid_summary",
        )


def parse(raw: bytes, content_type: str) -> Any:
    """The body as data (JSON or YAML by ``content_type``)."""
    kind = content_type.split(";")[0].strip().lower()
    if kind in YAML_TYPES:
        return parse_description_yaml(raw, file_name="test summary YAML")
    if kind not in JSON_TYPES and kind:
        raise HubError(
            message=f"Send JSON (application/json) or YAML (application/yaml), not {kind!r}.",
            status_code=415,
            code="unsupported_media_type",
        )
    try:
        return json.loads(raw)
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise HubError(
            message=f"The body is not valid JSON: {exc}.", status_code=400, code="invalid_json"
        ) from None


def items_of(data: Any) -> tuple[list[Any], tuple[str | int, ...]]:
    """The pushed items, and the path of the list that holds them."""
    base: tuple[str | int, ...] = ("body",)
    if isinstance(data, dict) and set(data) == {"summaries"}:
        data, base = data["summaries"], ("body", "summaries")
    if isinstance(data, dict):
        return [data], ()
    if not isinstance(data, list) or not data:
        raise SummariesRefused([Problem(base, "Send one summary, or a non-empty list of them")])
    if len(data) > MAX_ITEMS:
        msg = f"{len(data)} items; send at most {MAX_ITEMS} per request"
        raise SummariesRefused([Problem(base, msg)])
    return data, base


def checked(data: Any) -> list[tuple[SummaryPush, list[Summary]]]:
    """Every item with the summaries it holds; ``SummariesRefused`` listing every problem."""
    items, base = items_of(data)
    out: list[tuple[SummaryPush, list[Summary]]] = []
    problems: list[Problem] = []
    for index, raw in enumerate(items):
        loc: tuple[str | int, ...] = (*base, index) if base else ("body",)
        try:
            item = SummaryPush.model_validate(raw)
        except ValidationError as exc:
            problems += [
                Problem((*loc, *e["loc"]), e["msg"]) for e in exc.errors(include_url=False)
            ]
            continue
        try:
            out.append((item, summaries_of(item, loc)))
        except Refused as exc:
            problems += exc.problems
    if problems:
        raise SummariesRefused(problems)
    return out
