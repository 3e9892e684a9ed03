"""The ``modelhub`` command: one module per command group, reusing the services."""

from __future__ import annotations

import typer

from modelhub.cli import (
    checks,
    exports,
    maintenance,
    mirror,
    partners,
    predict,
    review,
    search,
    serve,
    stats,
    transfer,
    users,
    validate,
    yanks,
)

app = typer.Typer(
    name="modelhub",
    help="Run a modelhub, and upload, download, validate and publish bioimage.io packages.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
)
app.command("serve")(serve.serve)
app.command("upload")(transfer.upload)
app.command("download")(transfer.download)
app.command("predict")(predict.predict)
app.command("publish")(transfer.publish)
app.command("validate")(validate.validate)
app.command("checks")(checks.show)
app.command("check")(checks.check)
app.command("yank")(yanks.yank)
app.command("unyank")(yanks.unyank)
app.command("fsck")(maintenance.fsck)
app.command("gc")(maintenance.gc)
app.command("mirror")(mirror.mirror)
app.command("stats")(stats.stats)
app.add_typer(review.app, name="review")
app.add_typer(yanks.maintainers_app, name="maintainers")
app.add_typer(users.app, name="users")
app.add_typer(exports.app, name="exports")
app.add_typer(partners.app, name="partners")
app.add_typer(search.app, name="search")


def main() -> None:
    app()
