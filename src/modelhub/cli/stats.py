"""``modelhub stats``: a resource's downloads on this machine's hub, people and bots apart, per
version and per consumer software (the download events are folded first)."""

from __future__ import annotations

from typing import Annotated

import typer

from modelhub.analytics import stats as usage
from modelhub.analytics.schemas import ResourceUsage
from modelhub.cli.environment import load_settings
from modelhub.cli.options import JsonOption
from modelhub.cli.output import emit, fail
from modelhub.cli.users import local_sessions
from modelhub.db import transaction
from modelhub.errors import HubError
from modelhub.maintenance.usage import fold_now
from modelhub.wiring import build_hub


def lines_of(u: ResourceUsage) -> list[str]:
    lines = [f"{u.resource_id}: {u.totals.people} downloads by people, {u.totals.bots} by bots"]
    lines += [
        f"  v{v.version}: {v.downloads.people} people, {v.downloads.bots} bots"
        for v in u.per_version
    ]
    lines += [
        f"  {c.consumer} {c.consumer_version or '-'}: {c.downloads.people} people,"
        f" {c.downloads.bots} bots"
        for c in u.per_consumer
    ]
    return lines


def stats(
    resource_id: Annotated[str, typer.Argument(help="The resource id, e.g. affable-shark")],
    as_json: JsonOption = False,
) -> None:
    """A resource's downloads: people and bots apart, per version and per consumer software."""
    sessions = local_sessions()
    hub = build_hub(load_settings())
    try:
        fold_now(hub)  # downloads not yet handed over, and the latest reports
    finally:
        hub.engine.dispose()
    with transaction(sessions) as db:
        try:
            found = usage.resource_usage(db, resource_id)
        except HubError as exc:
            fail(exc.message, as_json=as_json, code=exc.code)
    emit(found.model_dump(mode="json"), as_json=as_json, lines=lines_of(found))
