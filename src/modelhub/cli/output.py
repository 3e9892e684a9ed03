"""How CLI commands report: rich text for people, ``--json`` for tools, errors on stderr."""

from __future__ import annotations

import json
import sys
from typing import Any, NoReturn

import typer
from rich.console import Console

err = Console(stderr=True)


def emit(data: Any, *, as_json: bool, lines: list[str] | None = None) -> None:
    """Print ``data`` as JSON, or the human ``lines`` (the last one is what scripts read)."""
    if as_json:
        sys.stdout.write(json.dumps(data, indent=2, default=str) + "\n")
        return
    for line in lines or []:
        sys.stdout.write(line + "\n")


def fail(
    message: str,
    *,
    as_json: bool,
    code: str = "error",
    details: list[Any] | None = None,
    exit_code: int = 1,
) -> NoReturn:
    """Report a refusal and exit non-zero."""
    if as_json:
        payload = {"error": {"code": code, "message": message, "details": details or []}}
        sys.stdout.write(json.dumps(payload, indent=2) + "\n")
    else:
        err.print(f"[bold red]Error:[/] {message}", highlight=False)
        for d in details or []:
            loc = ".".join(str(p) for p in d.get("loc", [])) if isinstance(d, dict) else ""
            msg = d.get("msg", d) if isinstance(d, dict) else d
            err.print(f"  - {loc + ': ' if loc else ''}{msg}", highlight=False)
    raise typer.Exit(exit_code)
