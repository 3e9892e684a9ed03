"""``modelhub checks`` (show results) and ``modelhub check`` (check again)."""

from __future__ import annotations

import time
from typing import Annotated, Any

import typer

from modelhub.cli.client import HubClient, details_of, hub_token, hub_url
from modelhub.cli.options import HubOption, JsonOption, TokenOption
from modelhub.cli.output import emit, fail
from modelhub.errors import HubError

FINISHED = ("passed", "failed", "error")


def _lines(run: dict[str, Any]) -> list[str]:
    head = f"check {run['id']}: {run['status']}"
    if run.get("library_key"):
        head += f" ({run['library_key']})"
    lines = [head]
    if run.get("reason"):
        lines.append(f"  {run['reason']}")
    for name, result in sorted(run.get("formats", {}).items()):
        why = f" — {result['reason']}" if result.get("reason") else ""
        lines.append(f"  {name}: {result['status']}{why}")
    return lines


def show(
    resource_id: Annotated[str, typer.Argument(help="Resource id")],
    version: Annotated[str, typer.Option("--version", help="v1, v2, … or draft")] = "latest",
    hub: HubOption = None,
    token: TokenOption = None,
    as_json: JsonOption = False,
) -> None:
    """Show the automated check results of a version, newest first."""
    try:
        with HubClient(hub_url(hub), hub_token(token)) as client:
            runs = client.json("GET", f"/api/v1/resources/{resource_id}/versions/{version}/checks")
    except HubError as exc:
        fail(exc.message, as_json=as_json, code=exc.code, details=details_of(exc))
    emit(
        runs,
        as_json=as_json,
        lines=[line for run in runs for line in _lines(run)] or ["no checks yet"],
    )


def check(
    resource_id: Annotated[
        str | None, typer.Argument(help="Resource id (omit with --all-published)")
    ] = None,
    version: Annotated[str | None, typer.Option("--version", help="v1, … or draft")] = None,
    all_published: Annotated[
        bool, typer.Option("--all-published", help="Re-check every published version (admin)")
    ] = False,
    wait: Annotated[bool, typer.Option("--wait", help="Wait for the result")] = False,
    hub: HubOption = None,
    token: TokenOption = None,
    as_json: JsonOption = False,
) -> None:
    """Queue a new check of a resource's version, or of every published version."""
    if (resource_id is None) == (not all_published):
        fail("Give a resource id, or --all-published.", as_json=as_json, code="usage")
    try:
        with HubClient(hub_url(hub), hub_token(token)) as client:
            if all_published:
                result = client.json("POST", "/api/v1/checks/recheck-published")
                emit(result, as_json=as_json, lines=[f"queued {result['queued']} checks"])
                return
            params = {"version": version} if version else {}
            run = client.json("POST", f"/api/v1/resources/{resource_id}/checks", params=params)
            while wait and run["status"] not in FINISHED:
                time.sleep(1)
                run = client.json("GET", f"/api/v1/checks/{run['id']}")
    except HubError as exc:
        fail(exc.message, as_json=as_json, code=exc.code, details=details_of(exc))
    emit(run, as_json=as_json, lines=_lines(run))
    if wait and run["status"] != "passed":
        raise typer.Exit(1)
