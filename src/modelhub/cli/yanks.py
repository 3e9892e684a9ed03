"""``modelhub yank | unyank`` and ``modelhub maintainers …`` (admins)."""

from __future__ import annotations

from typing import Annotated

import typer

from modelhub.cli.options import HubOption, JsonOption, TokenOption
from modelhub.cli.output import emit
from modelhub.cli.review import ResourceArg, call

maintainers_app = typer.Typer(help="Who maintains a resource (admins change it).",
                              no_args_is_help=True)  # fmt: skip
VersionArg = Annotated[str, typer.Argument(help="The version, e.g. v2")]


def yank(
    resource_id: ResourceArg,
    version: VersionArg,
    reason: Annotated[str, typer.Option("--reason", help="Why; shown to everyone who uses it")],
    hub: HubOption = None, token: TokenOption = None, as_json: JsonOption = False,
) -> None:  # fmt: skip
    """Flag a published version as yanked (admins); it stays downloadable."""
    path = f"/api/v1/resources/{resource_id}/versions/{version}/yank"
    result = call("POST", path, json={"reason": reason}, hub=hub, token=token, as_json=as_json)
    emit(result, as_json=as_json, lines=[f"yanked {resource_id} {result['version']}"])


def unyank(
    resource_id: ResourceArg, version: VersionArg,
    hub: HubOption = None, token: TokenOption = None, as_json: JsonOption = False,
) -> None:  # fmt: skip
    """Lift the yank of a version (admins)."""
    path = f"/api/v1/resources/{resource_id}/versions/{version}/unyank"
    result = call("POST", path, hub=hub, token=token, as_json=as_json)
    emit(result, as_json=as_json, lines=[f"unyanked {resource_id} {result['version']}"])


@maintainers_app.command("list")
def list_maintainers(
    resource_id: ResourceArg,
    hub: HubOption = None, token: TokenOption = None, as_json: JsonOption = False,
) -> None:  # fmt: skip
    """Accounts added as maintainers."""
    people = call("GET", f"/api/v1/resources/{resource_id}/maintainers", hub=hub, token=token,
                   as_json=as_json)  # fmt: skip
    emit(people, as_json=as_json, lines=[p["username"] for p in people])


@maintainers_app.command("add")
def add(
    resource_id: ResourceArg,
    username: Annotated[str, typer.Argument(help="The account to add")],
    hub: HubOption = None, token: TokenOption = None, as_json: JsonOption = False,
) -> None:  # fmt: skip
    """Add a maintainer (admins)."""
    path = f"/api/v1/resources/{resource_id}/maintainers"
    call("POST", path, json={"username": username}, hub=hub, token=token, as_json=as_json)
    emit({"added": username}, as_json=as_json, lines=[f"{username} maintains {resource_id}"])


@maintainers_app.command("remove")
def remove(
    resource_id: ResourceArg,
    username: Annotated[str, typer.Argument(help="The account to remove")],
    hub: HubOption = None, token: TokenOption = None, as_json: JsonOption = False,
) -> None:  # fmt: skip
    """Remove an added maintainer (admins)."""
    path = f"/api/v1/resources/{resource_id}/maintainers/{username}"
    call("DELETE", path, hub=hub, token=token, as_json=as_json)
    emit({"removed": username}, as_json=as_json, lines=[f"removed {username}"])
