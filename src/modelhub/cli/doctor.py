"""``modelhub doctor``: check this machine's hub configuration and what it must reach."""

from __future__ import annotations

import os
from typing import Annotated

import typer
from pydantic import ValidationError

from modelhub.cli.environment import settings_errors, unknown_variable_warnings
from modelhub.cli.options import JsonOption
from modelhub.cli.output import emit
from modelhub.config import Settings
from modelhub.maintenance.doctor import DoctorLine, ok, problem, run_doctor


def _settings_line() -> tuple[Settings | None, DoctorLine]:
    try:
        settings = Settings()
    except ValidationError as exc:
        wrong = "; ".join(settings_errors(exc))
        return None, problem("settings", wrong, "correct those MODELHUB_* variables.")
    unknown = unknown_variable_warnings(os.environ)
    if unknown:
        names = ", ".join(line.split()[1] for line in unknown)
        return settings, problem(
            "settings", f"ignored variables: {names}", "rename or remove them (see the warnings)."
        )
    return settings, ok("settings", "MODELHUB_* variables loaded")


def doctor(
    timeout: Annotated[
        float, typer.Option("--timeout", min=0.1, help="Seconds to wait for each service")
    ] = 5.0,
    as_json: JsonOption = False,
) -> None:
    """Check this hub's configuration (the MODELHUB_* variables) and what it reaches: the
    settings, the data directory, the database (reachable, migrated), the blob storage (a probe
    blob written, read, deleted), the Dask scheduler (with TLS when configured) and the
    workers' sandbox, the base URL, the SMTP server. One line per check; exit code 1 when any
    check found a problem."""
    settings, first = _settings_line()
    lines = [first]
    if settings is not None:
        lines += run_doctor(settings, timeout_s=timeout)
    problems = [line for line in lines if line.status == "problem"]
    summary = f"{len(problems)} problem(s) found" if problems else f"all {len(lines)} checks passed"
    emit(
        {"checks": [line.as_json() for line in lines], "problems": len(problems)},
        as_json=as_json,
        lines=[line.text() for line in lines] + [summary],
    )
    raise typer.Exit(1 if problems else 0)
