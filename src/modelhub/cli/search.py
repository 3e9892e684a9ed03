"""``modelhub search …``: the search index of this machine's hub."""

from __future__ import annotations

import typer

from modelhub.cli.database import hub_storage, hub_transaction
from modelhub.cli.environment import load_settings
from modelhub.cli.options import JsonOption
from modelhub.cli.output import emit, fail
from modelhub.db import upgrade_database
from modelhub.search.rebuild import rebuild_index

app = typer.Typer(help="The search index of this machine's hub.", no_args_is_help=True)


@app.command("reindex")
def reindex(as_json: JsonOption = False) -> None:
    """Build the whole search index again from the published resources (data directory from
    $MODELHUB_DATA_DIR); prints how many resources were indexed. Searches keep answering from
    the old index until the new one is committed."""
    settings = load_settings()
    if not settings.data_dir.is_dir():
        fail(
            f"There is no hub data directory at {settings.data_dir}: set MODELHUB_DATA_DIR.",
            as_json=as_json,
            code="no_data_dir",
        )
    # migrated, but not through cli.database.migrate: its rebuild would be done twice
    upgrade_database(settings.resolved_database_url)
    with hub_transaction(settings) as db:
        indexed = rebuild_index(db, storage=hub_storage(settings))
    emit(
        {"indexed": indexed},
        as_json=as_json,
        lines=[f"search index rebuilt: {indexed} resource(s) indexed"],
    )
