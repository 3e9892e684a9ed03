"""``modelhub backup`` and ``modelhub restore``: the whole hub on this machine (its database and
blobs, from $MODELHUB_DATA_DIR, $MODELHUB_DATABASE_URL and $MODELHUB_STORAGE_URL) into a folder,
and back into an empty hub."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from modelhub.backups.backup import make_backup
from modelhub.backups.layout import BackupProblem
from modelhub.backups.restore import restore_backup
from modelhub.cli.database import hub_storage, migrate
from modelhub.cli.environment import load_settings
from modelhub.cli.options import JsonOption
from modelhub.cli.output import emit, fail
from modelhub.db import make_engine


def _mib(size: int) -> str:
    return f"{size / 1024**2:.1f} MiB"


def backup(
    out: Annotated[Path, typer.Argument(help="A new folder (or an empty one) for the backup")],
    no_blobs: Annotated[
        bool,
        typer.Option(
            "--no-blobs",
            help="Write the blob manifest only, not the blobs (they stay in the hub's storage,"
            " an S3 bucket with its own versioning or replication, say)",
        ),
    ] = False,
    as_json: JsonOption = False,
) -> None:
    """Back the hub up into OUT: every table in one consistent read (safe while the hub runs),
    the manifest of the blobs the database references, and the blobs.
    Exit code: 0 done, 1 refused (OUT not empty…), 2 blobs missing or damaged in the hub."""
    settings = load_settings()
    if not settings.data_dir.is_dir():
        fail(
            f"There is no hub data directory at {settings.data_dir}: set MODELHUB_DATA_DIR.",
            as_json=as_json,
            code="no_data_dir",
        )
    migrate(settings)
    engine = make_engine(settings.resolved_database_url, pool_size=1)
    try:
        info = make_backup(
            engine=engine, storage=hub_storage(settings), out=out, include_blobs=not no_blobs
        )
    except BackupProblem as problem:
        fail(problem.message, as_json=as_json, code=problem.code, exit_code=problem.exit_code)
    finally:
        engine.dispose()
    stored = f"{info.blobs} blobs ({_mib(info.blob_bytes)})"
    emit(
        {"backup": str(out), **info.as_json()},
        as_json=as_json,
        lines=[
            f"schema revision {info.revision}, {sum(info.rows.values())} rows",
            f"backed up into {out}: {stored}" + ("" if info.blobs_included else ", listed only"),
        ],
    )


def restore(
    source: Annotated[Path, typer.Argument(help="A folder 'modelhub backup' wrote")],
    as_json: JsonOption = False,
) -> None:
    """Restore a backup into this machine's hub, which must be empty (a new database and
    storage; the hub not running): migrates the database, stores the blobs checked against
    their sha256, then writes every row in one transaction (all of it or nothing).
    Exit code: 0 done, 1 refused (not a backup, other schema revision, hub not empty), 2 blobs
    missing or damaged (in the backup, or in the storage for a backup without blobs)."""
    settings = load_settings()
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    try:
        done = restore_backup(
            database_url=settings.resolved_database_url,
            storage=hub_storage(settings),
            source=source,
        )
    except BackupProblem as problem:
        fail(problem.message, as_json=as_json, code=problem.code, exit_code=problem.exit_code)
    migrate(settings)  # and the search index, should the backup ask for a rebuild
    emit(
        {"restored": str(source), "rows": done.rows, "blobs_stored": done.blobs_stored},
        as_json=as_json,
        lines=[
            f"restored {done.rows} rows and {done.info.blobs} blobs"
            f" ({done.blobs_stored} stored) from {source}"
        ],
    )
