"""``modelhub validate``: check a package offline with exactly the rules the hub applies."""

from __future__ import annotations

import tempfile
from pathlib import Path
from typing import Annotated, Any

import typer

from modelhub.cli.environment import load_settings
from modelhub.cli.options import JsonOption
from modelhub.cli.output import emit, err, fail
from modelhub.errors import HubError
from modelhub.uploads.archive import UnpackLimits


def validate(
    path: Annotated[Path, typer.Argument(help="A package zip, a folder, or its rdf.yaml")],
    as_json: JsonOption = False,
) -> None:
    """Validate a package without uploading it (no network; the hub's own rules and limits)."""
    if not path.exists():
        fail(f"'{path}' does not exist.", as_json=as_json, code="not_found")
    from modelhub.uploads.validation import validate_path  # loads bioimageio.spec: only here

    settings = load_settings()
    limits = UnpackLimits(
        max_upload_bytes=settings.max_upload_bytes,
        max_unpacked_bytes=settings.max_unpacked_bytes,
        max_files=settings.max_files,
    )
    with tempfile.TemporaryDirectory(prefix="modelhub-validate-") as tmp:
        try:
            pkg = validate_path(path, Path(tmp), limits)
        except HubError as exc:
            fail(
                exc.message,
                as_json=as_json,
                code=exc.code,
                details=[d.as_json() for d in exc.details],
            )
        except OSError as exc:
            # unreadable files, a folder that vanished: the person's problem, not a crash
            reason = exc.strerror or str(exc)
            fail(f"'{path}' could not be read: {reason}.", as_json=as_json, code="unreadable")
    warnings: list[dict[str, Any]] = [w.as_json() for w in pkg.warnings]
    for w in warnings:
        err.print(f"warning: {'.'.join(str(p) for p in w['loc'])}: {w['msg']}", highlight=False)
    emit(
        {
            "valid": True,
            "type": pkg.type,
            "format_version": pkg.format_version,
            "name": pkg.name,
            "files": len(pkg.files),
            "warnings": warnings,
        },
        as_json=as_json,
        lines=[f"valid {pkg.type} (format {pkg.format_version}): {pkg.name}"],
    )
