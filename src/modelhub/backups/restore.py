"""Restoring a backup into an empty hub: the schema revisions must agree, the target database
is migrated and must hold no accounts, resources, partners or blobs; the blobs go in first
(each checked against its sha256 and size), then every row in one transaction — all of it or,
on any error, nothing (and the blobs this restore stored go again)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from alembic.config import Config
from alembic.script import ScriptDirectory
from sqlalchemy import Connection, exists, select

from modelhub.accounts.models import User
from modelhub.backups import rows
from modelhub.backups.blobs import Entry, check_present, copy_in, remove
from modelhub.backups.layout import (
    FULLTEXT,
    INFO,
    MANIFEST,
    TABLES,
    BackupInfo,
    BackupProblem,
    read_info,
    read_jsonl,
)
from modelhub.catalog.models import Resource
from modelhub.db import MIGRATIONS_DIR, make_engine, upgrade_database
from modelhub.partners.models import Partner
from modelhub.storage.base import Storage
from modelhub.storage.models import Blob

_CONTENT = (User, Resource, Partner, Blob)
"""A hub with a row in any of these holds content a restore would overwrite."""


@dataclass(frozen=True)
class Restored:
    info: BackupInfo
    rows: int
    blobs_stored: int


def schema_head() -> str:
    """The schema revision this version of the hub migrates to."""
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    head = ScriptDirectory.from_config(config).get_current_head()
    if head is None:
        raise RuntimeError("no migrations found")
    return head


def check_backup(source: Path) -> tuple[BackupInfo, list[Entry]]:
    """The backup's description and manifest, refused unless its schema is this hub's."""
    info = read_info(source)
    head = schema_head()
    if info.revision != head:
        raise BackupProblem(
            "schema_mismatch",
            f"The backup's database is at schema revision {info.revision}, this modelhub's at"
            f" {head}: restore it with the modelhub version that made it, then upgrade.",
        )
    entries = [Entry(str(e["sha256"]), int(e["size"])) for e in read_jsonl(source / MANIFEST)]
    return info, entries


def _refuse_content(conn: Connection) -> None:
    held = [m.__tablename__ for m in _CONTENT if conn.scalar(select(exists().select_from(m)))]
    if held:
        raise BackupProblem(
            "not_empty",
            f"The target hub is not empty ({', '.join(held)} hold rows): restore into a new"
            " database (and storage), never over a hub in use.",
        )


def restore_backup(*, database_url: str, storage: Storage, source: Path) -> Restored:
    """Restore the backup in ``source`` into the hub at ``database_url`` and ``storage``."""
    info, entries = check_backup(source)
    upgrade_database(database_url)
    engine = make_engine(database_url, pool_size=1)
    try:
        with engine.connect() as conn:
            _refuse_content(conn)
            conn.rollback()
        if info.blobs_included:
            created = copy_in(storage, entries, source)
        else:
            check_present(storage, entries)
            created = []
        try:
            with engine.begin() as conn:
                _refuse_content(conn)  # again, inside the transaction that writes
                count = _write_rows(conn, source, info)
        except BaseException:
            remove(storage, created)
            raise
    finally:
        engine.dispose()
    return Restored(info=info, rows=count, blobs_stored=len(created))


def _write_rows(conn: Connection, source: Path, info: BackupInfo) -> int:
    rows.empty_all(conn)  # what migrations seeded
    count = 0
    for table in rows.tables():
        path = source / TABLES / f"{table.name}.jsonl"
        written = rows.write_table(conn, table, read_jsonl(path)) if path.is_file() else None
        if written != info.rows.get(table.name):
            raise BackupProblem(
                "not_a_backup",
                f"{path} holds {written or 0} rows, {INFO} says {info.rows.get(table.name)}:"
                " the backup is incomplete.",
            )
        count += written or 0
    rows.write_fulltext(conn, read_jsonl(source / FULLTEXT))
    rows.reset_sequences(conn)
    return count
