"""The ``modelhub`` command: one module per command group, reusing the services.

A command's module is imported only when that command runs (``lazy``): a command that only talks
to a hub over HTTP starts in a fraction of a second instead of importing the whole hub."""

from __future__ import annotations

import typer

from modelhub.cli.lazy import function_command, group_command, lazy_group

_CLI = "modelhub.cli"
COMMANDS = {
    "serve": function_command("serve", f"{_CLI}.serve", "serve"),
    "upload": function_command("upload", f"{_CLI}.transfer", "upload"),
    "download": function_command("download", f"{_CLI}.transfer", "download"),
    "predict": function_command("predict", f"{_CLI}.predict", "predict"),
    "publish": function_command("publish", f"{_CLI}.transfer", "publish"),
    "validate": function_command("validate", f"{_CLI}.validate", "validate"),
    "checks": function_command("checks", f"{_CLI}.checks", "show"),
    "check": function_command("check", f"{_CLI}.checks", "check"),
    "yank": function_command("yank", f"{_CLI}.yanks", "yank"),
    "unyank": function_command("unyank", f"{_CLI}.yanks", "unyank"),
    "fsck": function_command("fsck", f"{_CLI}.maintenance", "fsck"),
    "gc": function_command("gc", f"{_CLI}.maintenance", "gc"),
    "backup": function_command("backup", f"{_CLI}.backups", "backup"),
    "restore": function_command("restore", f"{_CLI}.backups", "restore"),
    "doctor": function_command("doctor", f"{_CLI}.doctor", "doctor"),
    "mirror": function_command("mirror", f"{_CLI}.mirror", "mirror"),
    "stats": function_command("stats", f"{_CLI}.stats", "stats"),
    "review": group_command("review", f"{_CLI}.review"),
    "maintainers": group_command("maintainers", f"{_CLI}.yanks", "maintainers_app"),
    "users": group_command("users", f"{_CLI}.users"),
    "exports": group_command("exports", f"{_CLI}.exports"),
    "partners": group_command("partners", f"{_CLI}.partners"),
    "search": group_command("search", f"{_CLI}.search"),
}

app = typer.Typer(
    name="modelhub",
    cls=lazy_group(COMMANDS),
    help="Run a modelhub, and upload, download, validate and publish bioimage.io packages.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
)


@app.callback()
def _hub() -> None:
    """(no options of its own: the commands are looked up in ``COMMANDS``)"""


def main() -> None:
    app()
