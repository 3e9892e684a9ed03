"""Alembic environment: runs migrations against the URL the hub passes in."""

from __future__ import annotations

from alembic import context
from sqlalchemy import create_engine, pool, text

from modelhub.all_models import Base

config = context.config
MIGRATION_LOCK = 0x6D6F64656C687562  # "modelhub": one advisory lock key for every hub
"""Hub processes starting together on one PostgreSQL database (replicas behind a load
balancer) migrate one at a time: the others wait for the lock, then find the head applied."""
target_metadata = Base.metadata


def run_migrations() -> None:
    url = config.get_main_option("sqlalchemy.url")
    if not url:
        raise RuntimeError("no database URL given to the migrations")
    if context.is_offline_mode():
        context.configure(url=url, target_metadata=target_metadata, render_as_batch=True)
        with context.begin_transaction():
            context.run_migrations()
        return
    engine = create_engine(url, poolclass=pool.NullPool)
    with engine.connect() as connection:
        # batch mode lets later migrations alter SQLite tables (it cannot ALTER most things)
        context.configure(
            connection=connection, target_metadata=target_metadata, render_as_batch=True
        )
        with context.begin_transaction():
            if connection.dialect.name == "postgresql":
                # held until this transaction ends; Alembic reads the version table after it
                connection.execute(
                    text("SELECT pg_advisory_xact_lock(:key)"), {"key": MIGRATION_LOCK}
                )
            context.run_migrations()
    engine.dispose()


run_migrations()
