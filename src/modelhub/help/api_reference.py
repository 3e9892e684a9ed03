"""The HTTP API reference as a help text, written from the app's own OpenAPI schema (no
interactive pages: those load their scripts from outside the hub)."""

from __future__ import annotations

from typing import Any

_METHODS = ("get", "post", "put", "patch", "delete", "head")


def _cell(text: str) -> str:
    return " ".join(text.replace("|", "\\|").split())


def _first_line(operation: dict[str, Any]) -> str:
    summary = str(operation.get("summary") or "")
    description = str(operation.get("description") or "").strip()
    if description:
        first = description.split("\n\n")[0]
        return f"{summary}: {first}" if summary and not first.startswith(summary) else first
    return summary


def _group(path: str) -> str:
    parts = [p for p in path.split("/") if p]
    if parts[:2] == ["api", "v1"] and len(parts) > 2:
        return parts[2]
    return parts[0] if parts else "/"


def api_markdown(schema: dict[str, Any]) -> str:
    """A section per group of routes (``/api/v1/<group>…``, or the path's first part), a row
    per method and path with the route's own description."""
    groups: dict[str, list[str]] = {}
    for path, item in sorted(schema.get("paths", {}).items()):
        for method in _METHODS:
            operation = item.get(method)
            if not isinstance(operation, dict):
                continue
            row = f"| `{method.upper()} {_cell(path)}` | {_cell(_first_line(operation))} |"
            groups.setdefault(_group(path), []).append(row)
    lines = [
        "Every route below answers JSON; errors have one shape,",
        '`{"error": {"code": …, "message": …, "details": [{"loc": […], "msg": …}]}}`.',
        "Send an API token as `Authorization: Bearer <token>` (make one on your account page).",
        "The machine-readable schema is [openapi.json](/openapi.json).",
        "",
    ]
    for name, rows in sorted(groups.items()):
        lines += [f"## {name}", "", "| route | what it does |", "|---|---|", *rows, ""]
    return "\n".join(lines)
