"""Making a backup: every table read inside one read transaction (PostgreSQL: REPEATABLE READ,
read only; SQLite: one deferred transaction, a snapshot under WAL), so the rows agree with each
other while the hub keeps running; then the blobs those rows reference.

The rows are read before the blobs are copied: a blob committed meanwhile is not in the
manifest (its rows are not in the dump either), and a blob no row needs that gc removes
meanwhile is left out of the manifest."""

from __future__ import annotations

import json
import shutil
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy import Connection, Engine, text
from sqlalchemy.orm import Session

from modelhub.backups import rows
from modelhub.backups.blobs import copy_out, manifest
from modelhub.backups.layout import (
    FULLTEXT,
    INFO,
    MANIFEST,
    TABLES,
    BackupInfo,
    BackupProblem,
    write_jsonl,
)
from modelhub.storage.base import Storage


@contextmanager
def snapshot(engine: Engine) -> Iterator[Connection]:
    """A connection inside one read transaction that sees one state of the database."""
    with engine.connect() as conn:
        if conn.dialect.name == "postgresql":
            conn = conn.execution_options(isolation_level="REPEATABLE READ")
            conn.exec_driver_sql("SET TRANSACTION READ ONLY")
        else:
            # the sqlite3 module opens no transaction for reads: BEGIN, and the first read fixes
            # the snapshot that every later read of this transaction sees
            conn.exec_driver_sql("BEGIN")
        try:
            yield conn
        finally:
            conn.rollback()


def _prepare(out: Path) -> Path:
    if out.exists() and (not out.is_dir() or any(out.iterdir())):
        raise BackupProblem("out_exists", f"{out} exists and is not an empty directory.")
    work = out.parent / f".{out.name}.partial-{uuid.uuid4().hex[:8]}"
    (work / TABLES).mkdir(parents=True)
    return work


def make_backup(*, engine: Engine, storage: Storage, out: Path, include_blobs: bool) -> BackupInfo:
    """Write a backup of the hub on ``engine`` and ``storage`` into the new folder ``out``
    (written beside it under another name, renamed when whole). ``include_blobs`` False
    writes the manifest alone (blobs that stay where they are, in an S3 bucket)."""
    out = out.absolute()
    work = _prepare(out)
    try:
        with snapshot(engine) as conn:
            revision = conn.scalar(text("SELECT version_num FROM alembic_version"))
            if revision is None:
                raise BackupProblem("no_schema", "The hub's database has no schema revision.")
            counts = {
                t.name: write_jsonl(work / TABLES / f"{t.name}.jsonl", rows.read_table(conn, t))
                for t in rows.tables()
            }
            write_jsonl(work / FULLTEXT, rows.read_fulltext(conn))
            with Session(bind=conn) as db:
                entries, needed = manifest(db)
            dialect = conn.dialect.name
        kept = copy_out(storage, entries, work if include_blobs else None, needed)
        write_jsonl(work / MANIFEST, (e.as_json() for e in kept))
        info = BackupInfo(
            revision=str(revision),
            dialect=dialect,
            created_at=datetime.now(UTC).isoformat(timespec="seconds"),
            blobs_included=include_blobs,
            rows=counts,
            blobs=len(kept),
            blob_bytes=sum(e.size for e in kept),
        )
        # last: its presence marks a whole backup
        (work / INFO).write_text(json.dumps(info.as_json(), indent=2) + "\n", encoding="utf-8")
        if out.exists():
            out.rmdir()
        work.rename(out)
    except BaseException:
        shutil.rmtree(work, ignore_errors=True)
        raise
    return info
