"""Options shared by the commands that talk to a hub."""

from __future__ import annotations

from typing import Annotated

import typer

HubOption = Annotated[
    str | None,
    typer.Option("--hub", help="The hub's URL (default: $MODELHUB_URL or http://127.0.0.1:8000)"),
]
TokenOption = Annotated[
    str | None, typer.Option("--token", help="Your API token (default: $MODELHUB_TOKEN)")
]
JsonOption = Annotated[bool, typer.Option("--json", help="Machine-readable output")]
