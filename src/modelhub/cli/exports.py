"""``modelhub exports rebuild``: write the rows of collection.json and index.json again."""

from __future__ import annotations

import typer

from modelhub.cli.environment import load_settings
from modelhub.cli.options import JsonOption
from modelhub.cli.output import emit
from modelhub.db import make_engine, make_session_factory, transaction, upgrade_database
from modelhub.exports import service
from modelhub.exports.urls import export_urls

app = typer.Typer(help="The collection.json and index.json exports.", no_args_is_help=True)


@app.command("rebuild")
def rebuild(as_json: JsonOption = False) -> None:
    """Rebuild the exports from the catalog (data directory from $MODELHUB_DATA_DIR; links
    from $MODELHUB_BASE_URL). Only needed after an upgrade from a hub without exports, and
    'modelhub serve' does it itself when needed; publications keep them current."""
    settings = load_settings()
    upgrade_database(settings.resolved_database_url)
    engine = make_engine(settings.resolved_database_url)
    try:
        with transaction(make_session_factory(engine)) as db:
            count = service.rebuild(db, urls=export_urls(settings))
            generation = service.state_now(db)
    finally:
        engine.dispose()
    emit(
        {"resources": count, "generation": generation.generation if generation else None},
        as_json=as_json,
        lines=[f"exports rebuilt: {count} published resource(s)"],
    )
