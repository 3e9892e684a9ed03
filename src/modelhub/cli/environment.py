"""Settings for the local commands, with a warning for each ``MODELHUB_*`` variable that
nothing reads: a misspelt or guessed name (``MODELHUB_PUBLIC_URL``) would otherwise be ignored
without a word and the hub would run with the default."""

from __future__ import annotations

import difflib
import os
from collections.abc import Mapping

import typer
from pydantic import ValidationError

from modelhub.config import Settings

PREFIX = "MODELHUB_"
# read by other parts than Settings: the CLI's hub and token, the test-only fault point
OTHER_VARIABLES = frozenset({"URL", "TOKEN", "FAULT_POINT"})
# the test suite's and the benchmarks' own variables
TOOLING_PREFIXES = ("TEST_", "BENCH_")
# names people guess for a setting that no spelling distance leads to
SYNONYMS = {
    "PUBLIC_URL": "BASE_URL",
    "SITE_URL": "BASE_URL",
    "EXTERNAL_URL": "BASE_URL",
    "ROOT_URL": "BASE_URL",
}


def unknown_variable_warnings(environ: Mapping[str, str]) -> list[str]:
    """One warning per ``MODELHUB_*`` name in ``environ`` that no setting reads (names are read
    without regard to case, as Settings reads them), naming the likely intended setting where
    one is close."""
    known = [name.upper() for name in Settings.model_fields]
    warnings = []
    for name in sorted(environ):
        rest = name.upper().removeprefix(PREFIX)
        if not name.upper().startswith(PREFIX) or rest in known or rest in OTHER_VARIABLES:
            continue
        if rest.startswith(TOOLING_PREFIXES):
            continue
        guess = SYNONYMS.get(rest) or next(
            iter(difflib.get_close_matches(rest, known, n=1, cutoff=0.7)), None
        )
        hint = f"; did you mean {PREFIX}{guess}?" if guess else ""
        warnings.append(f"warning: {name} is not a modelhub setting and is ignored{hint}")
    return warnings


def load_settings() -> Settings:
    """Settings from the environment, after warning (on stderr) about unknown variables."""
    for line in unknown_variable_warnings(os.environ):
        typer.echo(line, err=True)
    try:
        return Settings()
    except ValidationError as exc:
        for line in settings_errors(exc):
            typer.echo(f"error: {line}", err=True)
        raise typer.Exit(1) from None


def settings_errors(exc: ValidationError) -> list[str]:
    """Each refused setting in one line: ``signup: Input should be …``."""
    return [
        f"{'.'.join(map(str, error['loc'])) or 'settings'}: {error['msg']}"
        for error in exc.errors()
    ]
