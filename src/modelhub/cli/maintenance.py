"""``modelhub fsck`` and ``modelhub gc``: what crashes left behind, on this machine's hub."""

from __future__ import annotations

from typing import Annotated

import typer

from modelhub.cli.database import hub_storage, migrate
from modelhub.cli.environment import load_settings
from modelhub.cli.options import JsonOption
from modelhub.cli.output import emit, fail
from modelhub.config import Settings
from modelhub.db import make_engine, make_session_factory
from modelhub.maintenance.findings import LOST, Report
from modelhub.maintenance.folders import Places
from modelhub.maintenance.listing import CheckedStorage
from modelhub.maintenance.s3gc import gc_s3
from modelhub.maintenance.service import fsck as run_fsck
from modelhub.maintenance.service import gc as run_gc
from modelhub.maintenance.service import gc_folders
from modelhub.storage.local import LocalStorage
from modelhub.storage.s3 import S3Storage

_SHOWN = 50


def _parts(*, as_json: bool) -> tuple[Settings, CheckedStorage, Places]:
    """The hub's settings, blob storage (a local directory or an S3 prefix) and working
    folders."""
    settings = load_settings()
    if not settings.data_dir.is_dir():
        fail(
            f"There is no hub data directory at {settings.data_dir}: set MODELHUB_DATA_DIR.",
            as_json=as_json,
            code="no_data_dir",
            exit_code=3,  # 1 and 2 are fsck's findings
        )
    migrate(settings)
    storage = hub_storage(settings)
    if not isinstance(storage, LocalStorage | S3Storage):
        fail(
            "This command checks a local blob directory or an S3 prefix only.",
            as_json=as_json,
            code="unknown_storage",
            exit_code=3,
        )
    return settings, storage, Places.of(settings)


def _lines(report: Report) -> list[str]:
    lines = [f"{f.category.value}: {f.subject} ({f.detail})" for f in report.findings[:_SHOWN]]
    if len(report.findings) > _SHOWN:
        lines.append(f"… and {len(report.findings) - _SHOWN} more (--json lists all)")
    counts = ", ".join(f"{n} {c}" for c, n in report.counts.items()) or "nothing found"
    lines.append(f"{report.blobs} blobs, {report.rows} blob rows checked: {counts}")
    if any(f.category in LOST for f in report.findings):
        lines.append("Some blobs are missing or damaged: restore them from a backup.")
    elif report.findings:
        lines.append("Run 'modelhub gc' to remove the leftovers.")
    return lines


def fsck(
    verify: Annotated[
        bool, typer.Option("--verify", help="Re-hash every blob (reads all bytes: slow)")
    ] = False,
    as_json: JsonOption = False,
) -> None:
    """Check the hub's data (data directory from $MODELHUB_DATA_DIR, blobs in it or in S3):
    orphan blobs, rows whose blobs are missing or the wrong size, leftovers of dead uploads
    and checks. Exit code: 0 clean, 1 leftovers only ('modelhub gc' removes them), 2 blobs
    lost, 3 no hub to check."""
    settings, storage, places = _parts(as_json=as_json)
    engine = make_engine(settings.resolved_database_url)
    try:
        report = run_fsck(
            sessions=make_session_factory(engine), storage=storage, places=places, verify=verify
        )
    finally:
        engine.dispose()
    emit(report.as_json(), as_json=as_json, lines=_lines(report))
    raise typer.Exit(report.exit_code)


def gc(
    grace: Annotated[
        float | None,
        typer.Option(
            "--grace",
            min=0,
            help="Seconds an unreferenced blob must be old before it goes (default: "
            "$MODELHUB_GC_GRACE_S, 3600). 0 is safe only when no upload is in progress.",
        ),
    ] = None,
    as_json: JsonOption = False,
) -> None:
    """Remove orphan blobs and temporary files older than the grace period, and the staging
    folders, scratch folders and cgroups of processes that are gone. Safe while the hub runs.
    With blobs in S3 the same: orphan objects, and the multipart uploads that killed processes
    left unfinished."""
    settings, storage, places = _parts(as_json=as_json)
    grace_s = settings.gc_grace_s if grace is None else grace
    engine = make_engine(settings.resolved_database_url)
    try:
        if isinstance(storage, S3Storage):
            result = gc_s3(sessions=make_session_factory(engine), storage=storage, grace_s=grace_s)
            # the working folders are on this machine's disk whatever holds the blobs
            done = gc_folders(places)
            result.removed.update(done.removed)
            result.kept.update(done.kept)
        else:
            result = run_gc(
                sessions=make_session_factory(engine),
                storage=storage,
                places=places,
                grace_s=grace_s,
            )
    finally:
        engine.dispose()
    removed = ", ".join(f"{n} {c}" for c, n in sorted(result.removed.items())) or "nothing"
    kept = ", ".join(f"{n} {c}" for c, n in sorted(result.kept.items()))
    lines = [f"removed: {removed}"] + ([f"kept (too young or in use): {kept}"] if kept else [])
    if result.lost:
        lines.append(f"{result.lost} missing or damaged blob(s): run 'modelhub fsck'.")
    emit(result.as_json(), as_json=as_json, lines=lines)
