"""``modelhub validate`` on hostile descriptions: the hub's message and a non-zero exit, never a
traceback (the real CLI as a subprocess, no server: validation is offline)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

pytestmark = pytest.mark.dbless  # validation is offline: no server, no database

MODELHUB = Path(sys.executable).parent / "modelhub"


def _validate(target: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("MODELHUB_")}
    env["MODELHUB_DATA_DIR"] = str(target.parent / "data")
    return subprocess.run(
        [str(MODELHUB), "validate", str(target), *args],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
        cwd=target.parent,
    )


def test_validate_prints_the_refusal_without_a_traceback(tmp_path: Path) -> None:
    # Python cannot read an integer of more than 4,300 digits: this was a traceback
    pkg = tmp_path / "pkg"
    pkg.mkdir()
    (pkg / "rdf.yaml").write_bytes(b"type: model\nsize: " + b"7" * 100_000 + b"\n")
    loc, expected = 2, "a number of 100,000 digits"
    done = _validate(pkg / "rdf.yaml", "--json")
    assert done.returncode == 1, done.stderr
    assert "Traceback" not in done.stderr
    error = json.loads(done.stdout)["error"]
    assert (error["code"], error["message"]) == (
        "invalid_yaml",
        "The description file could not be read safely.",
    )
    [detail] = error["details"]
    assert detail["loc"] == ["rdf.yaml", loc]
    assert detail["msg"].startswith(f"Line {loc}: {expected}")
    human = _validate(pkg)
    assert human.returncode == 1
    assert "Traceback" not in human.stderr
    assert expected in human.stderr
