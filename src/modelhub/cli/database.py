"""The hub's database for the commands that run on the hub's machine: migrated the way the hub
migrates it, and a transaction on it without starting the rest of the hub."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import typer
from sqlalchemy.orm import Session

from modelhub.config import Settings
from modelhub.db import make_engine, make_session_factory, transaction, upgrade_database
from modelhub.search.rebuild import rebuild_if_requested
from modelhub.storage.base import Storage
from modelhub.storage.factory import describe_storage, storage_from


def hub_storage(settings: Settings) -> Storage:
    """The blob storage that ``settings`` configure."""
    return storage_from(describe_storage(settings))


@contextmanager
def hub_transaction(settings: Settings) -> Iterator[Session]:
    """A session on the hub's database, committed when the block ends cleanly."""
    engine = make_engine(settings.resolved_database_url, pool_size=1)
    try:
        with transaction(make_session_factory(engine)) as db:
            yield db
    finally:
        engine.dispose()


def migrate(settings: Settings) -> None:
    """Apply every migration to the hub's database, then build the search index when a
    migration asked for it (migrations never run the index's code: ``search.rebuild``)."""
    upgrade_database(settings.resolved_database_url)
    with hub_transaction(settings) as db:
        indexed = rebuild_if_requested(db, storage=hub_storage(settings))
    if indexed is not None:
        typer.echo(f"search index rebuilt: {indexed} resource(s) indexed", err=True)
