"""Database plumbing: the declarative base, engine and session factory, and migrations."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import DateTime, Engine, MetaData, create_engine, event
from sqlalchemy.orm import DeclarativeBase, Session, sessionmaker
from sqlalchemy.pool import QueuePool
from sqlalchemy.types import TypeDecorator

from modelhub.private import private_file, sqlite_path

MIGRATIONS_DIR = Path(__file__).parent / "migrations"

NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class UtcDateTime(TypeDecorator[datetime]):
    """Timezone-aware UTC datetimes on every backend (SQLite drops the zone otherwise)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is not None and value.tzinfo is None:
            raise ValueError("naive datetime given to a UTC column")
        return value.astimezone(UTC) if value is not None else None

    def process_result_value(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is not None and value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value


def utcnow() -> datetime:
    return datetime.now(UTC)


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING)


def make_engine(url: str, *, pool_size: int = 48, pool_timeout: float = 3) -> Engine:
    """An engine for ``url`` holding at most ``pool_size`` connections; a thread that finds
    none free within ``pool_timeout`` seconds gets ``sqlalchemy.exc.TimeoutError`` (the app
    answers 503). Size the pool to the threads that can hold a connection at once: routes hold
    one only while their function runs, never while a body streams (see ``deps.get_db``).

    SQLite gets WAL (readers never wait for the writer nor for each other), foreign keys and a
    busy timeout for writers queueing for the one write lock."""
    pool = {"pool_size": pool_size, "max_overflow": 0, "pool_timeout": pool_timeout}
    if url.startswith("sqlite"):
        path = sqlite_path(url)
        if path is not None and path.parent.is_dir():
            # SQLite gives its -wal and -shm files the mode of the database file
            private_file(path)
        # a file database: connections are cheap and shared across threads (check_same_thread
        # off), so the same bounded QueuePool as for PostgreSQL
        engine = create_engine(
            url,
            poolclass=QueuePool,
            connect_args={"check_same_thread": False, "timeout": 30},
            **pool,
        )

        @event.listens_for(engine, "connect")
        def _sqlite_pragmas(dbapi_conn: Any, _record: Any) -> None:
            cur = dbapi_conn.cursor()
            cur.execute("PRAGMA foreign_keys=ON")
            cur.execute("PRAGMA journal_mode=WAL")
            cur.execute("PRAGMA synchronous=NORMAL")
            cur.close()

        return engine
    return create_engine(url, pool_pre_ping=True, **pool)


def make_session_factory(
    engine: Engine, *, info: dict[str, Any] | None = None
) -> sessionmaker[Session]:
    """Sessions on ``engine``; each starts with a copy of ``info`` in its ``Session.info`` (the
    composition root puts the hub's job kinds there)."""
    return sessionmaker(bind=engine, expire_on_commit=False, autoflush=True, info=info or {})


@contextmanager
def transaction(factory: sessionmaker[Session]) -> Iterator[Session]:
    """A session whose work is committed when the block ends cleanly, rolled back otherwise."""
    session = factory()
    try:
        yield session
        session.commit()
    except BaseException:
        session.rollback()
        raise
    finally:
        session.close()


def upgrade_database(url: str) -> None:
    """Apply every Alembic migration to the database at ``url`` (idempotent)."""
    from alembic import command
    from alembic.config import Config

    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS_DIR))
    cfg.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    cfg.attributes["configure_logger"] = False
    command.upgrade(cfg, "head")
