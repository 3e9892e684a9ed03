"""Replicas starting together on an empty PostgreSQL database migrate it one at a time: every
one of them starts, and the database ends at the head revision."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator

import pytest
from alembic.script import ScriptDirectory
from sqlalchemy import create_engine, make_url, text

from modelhub.db import MIGRATIONS_DIR

pytestmark = pytest.mark.skipif(
    not os.environ.get("MODELHUB_TEST_DATABASE_URL"),
    reason="the advisory lock is PostgreSQL's: set MODELHUB_TEST_DATABASE_URL",
)
MIGRATE = "import sys; from modelhub.db import upgrade_database; upgrade_database(sys.argv[1])"


@pytest.fixture
def empty_database(migrated_template: str) -> Iterator[str]:
    """A database of its own, without tables, dropped afterwards."""
    url = make_url(migrated_template)
    name = f"{url.database}_together"
    admin = create_engine(url.set(database="postgres"), isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}"'))
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield url.set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def test_replicas_migrating_at_once_all_start(empty_database: str) -> None:
    procs = [
        subprocess.Popen(
            [sys.executable, "-c", MIGRATE, empty_database],
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
        )
        for _ in range(3)
    ]
    outputs = [proc.communicate(timeout=120)[0].decode() for proc in procs]
    assert [proc.returncode for proc in procs] == [0, 0, 0], outputs
    engine = create_engine(empty_database)
    with engine.connect() as conn:
        applied = conn.scalars(text("SELECT version_num FROM alembic_version")).all()
    engine.dispose()
    assert applied == [ScriptDirectory(str(MIGRATIONS_DIR)).get_current_head()]
