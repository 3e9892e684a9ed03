"""The import layers of ``pyproject.toml`` hold (``lint-imports``), cover every top-level part of
the package, and are the ones drawn in ``docs/architecture.md``."""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
SRC = ROOT / "src" / "modelhub"
# not importable modules (alembic loads them by path) or no code at all
OUTSIDE = {"__init__", "migrations", "py.typed"}


def _contracts() -> list[dict[str, object]]:
    config = tomllib.loads((ROOT / "pyproject.toml").read_text())
    contracts: list[dict[str, object]] = config["tool"]["importlinter"]["contracts"]
    return contracts


def _layers() -> list[str]:
    layered = [c for c in _contracts() if c["type"] == "layers"]
    assert len(layered) == 1
    layers = layered[0]["layers"]
    assert isinstance(layers, list)
    return [str(layer) for layer in layers]


def _lint_imports() -> str:
    beside = Path(sys.executable).parent / "lint-imports"
    found = str(beside) if beside.exists() else shutil.which("lint-imports")
    assert found is not None, "lint-imports (import-linter) is not installed"
    return found


def test_the_import_contracts_are_kept() -> None:
    done = subprocess.run(
        [_lint_imports(), "--no-cache"], cwd=ROOT, capture_output=True, text=True, timeout=120
    )
    assert done.returncode == 0, done.stdout[-4000:] + done.stderr[-2000:]
    assert f"Contracts: {len(_contracts())} kept, 0 broken." in done.stdout


def test_every_top_level_part_has_a_layer() -> None:
    named = {part.strip() for layer in _layers() for part in re.split(r"[|:]", layer)}
    present = {p.name.removesuffix(".py") for p in SRC.iterdir() if not p.name.startswith("_")}
    present |= {"__init__"} if (SRC / "__init__.py").exists() else set()
    present = {p for p in present if p != "__pycache__"} - OUTSIDE
    assert present - named == set(), "give every new top-level module a layer in pyproject.toml"
    assert named - present == set()


def test_siblings_in_a_layer_are_independent() -> None:
    # "a : b" would let two packages import each other, i.e. a cycle between them
    assert [layer for layer in _layers() if ":" in layer] == []


def test_the_architecture_map_draws_the_same_layers() -> None:
    text = (ROOT / "docs" / "architecture.md").read_text()
    block = re.search(r"## Layers.*?```text\n(.*?)```", text, re.S)
    assert block is not None, "docs/architecture.md needs its '## Layers' block"
    drawn = [line.strip() for line in block.group(1).splitlines() if line.strip()]
    assert drawn == _layers()
