"""The ``modelhub`` command loads a command's module only when that command runs: a command
that talks to a hub over HTTP starts without the hub's heavy libraries, and every command
named in the table still loads and answers ``--help``."""

from __future__ import annotations

import subprocess
import sys

import pytest
from typer.testing import CliRunner

from modelhub.cli import COMMANDS, app

pytestmark = pytest.mark.dbless

# what `modelhub review …` used to import through the other command modules
HEAVY = ("bioimageio.spec", "numpy", "sqlalchemy", "modelhub.wiring", "distributed")


def test_an_http_command_imports_nothing_heavy() -> None:
    code = (
        "import sys\n"
        "from modelhub.cli import app\n"
        "try:\n"
        "    app(['review', '--help'])\n"
        "except SystemExit as done:\n"
        "    assert done.code == 0, done.code\n"
        f"print(sorted(m for m in {HEAVY!r} if m in sys.modules))\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=120, check=False
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.splitlines()[-1] == "[]"


@pytest.mark.parametrize("name", list(COMMANDS))
def test_every_command_loads_and_answers_help(name: str) -> None:
    result = CliRunner().invoke(app, [name, "--help"])
    assert result.exit_code == 0, result.output
    assert "Usage:" in result.output


def test_a_mistyped_command_is_refused_with_a_suggestion() -> None:
    result = CliRunner().invoke(app, ["reveiw"])
    assert result.exit_code == 2
    assert "No such command 'reveiw'" in result.output and "'review'" in result.output
