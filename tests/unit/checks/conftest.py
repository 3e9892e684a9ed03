"""Fixtures for the sandboxed checks: tiny real packages (built once), hostile variants of
them, and warm runners shared by the tests of a session (a sandbox costs an import of torch)."""

from __future__ import annotations

import hashlib
import os
import shutil
import textwrap
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml

from modelhub.checks.cleanup import cgroup_prefix
from modelhub.checks.limits import GIB, SandboxLimits
from modelhub.checks.runner import CheckRunner
from modelhub.checks.sandbox import sandbox_status
from modelhub.checks.sandbox_cgroups import parent_dirs
from modelhub.demo.builder import build_package

# small enough to see limits hit quickly, large enough for torch (~0.5 GB) and a tiny model
TEST_LIMITS = SandboxLimits(timeout_s=20, memory_bytes=int(1.5 * GIB), max_processes=64)

HOSTILE_IMPORTS = "import os, signal, socket, subprocess, sys, time\n"
_INIT = "        super().__init__()\n"

# a package body that forks until it cannot; its processes carry "{}" (a marker) in their command
FORK_BOMB = """
first = os.getpid()
while True:
    try:
        os.fork()
    except OSError:
        if os.getpid() == first:
            raise RuntimeError("no more forks") from None
        os.execv(sys.executable, [sys.executable, "-c", "import time; time.sleep(300)", "{}"])
"""


def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def edit_rdf(package: Path, change: Callable[[dict[str, Any]], None]) -> None:
    path = package / "rdf.yaml"
    rdf = yaml.safe_load(path.read_text())
    change(rdf)
    path.write_text(yaml.safe_dump(rdf, sort_keys=False))


@pytest.fixture(scope="session")
def built(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """The demo builder's model kinds, built once (read-only: copy before changing)."""
    root = tmp_path_factory.mktemp("built")
    kinds = ("model-0.5-torchscript", "model-0.5-state-dict", "model-0.4")
    return {kind: build_package(kind, root / kind).root for kind in kinds}


@pytest.fixture
def package(built: dict[str, Path], tmp_path: Path) -> Callable[[str], Path]:
    """A fresh copy of a built package kind."""

    def copy(kind: str) -> Path:
        dest = tmp_path / f"{kind}-{uuid.uuid4().hex[:6]}"
        shutil.copytree(built[kind], dest)
        return dest

    return copy


def make_hostile(base: Path, dest: Path, body: str) -> Path:
    """A copy of the state-dict package ``base`` with only its pytorch_state_dict weights,
    whose architecture runs ``body`` (Python, in ``TinyNet.__init__``) when the test builds
    the model; with a harmless body the package passes."""
    shutil.copytree(base, dest)
    source = dest / "tiny_net.py"
    code = source.read_text()
    assert _INIT in code
    hook = textwrap.indent(textwrap.dedent(body).strip() + "\n", " " * 8)
    source.write_text(HOSTILE_IMPORTS + code.replace(_INIT, _INIT + hook, 1))

    def change(rdf: dict[str, Any]) -> None:
        weights = rdf["weights"]["pytorch_state_dict"]
        weights["architecture"]["sha256"] = sha256(source)
        rdf["weights"] = {"pytorch_state_dict": weights}

    edit_rdf(dest, change)
    return dest


@pytest.fixture
def hostile(built: dict[str, Path], tmp_path: Path) -> Callable[[str], Path]:
    """`make_hostile` into this test's folder."""

    def make(body: str) -> Path:
        dest = tmp_path / f"hostile-{uuid.uuid4().hex[:6]}"
        return make_hostile(built["model-0.5-state-dict"], dest, body)

    return make


@pytest.fixture(scope="session")
def hidden_dir() -> Iterator[Path]:
    """A folder outside /tmp and the home (both hidden anyway) that checks must not see."""
    root = Path("/var/tmp") / f"modelhub-test-hidden-{uuid.uuid4().hex[:8]}"
    (root / "data").mkdir(parents=True)
    (root / "data" / "hub.sqlite3").write_text("the hub's database")
    (root / "visible.txt").write_text("anyone may read this")
    yield root
    shutil.rmtree(root, ignore_errors=True)


@pytest.fixture(scope="session")
def runner(tmp_path_factory: pytest.TempPathFactory, hidden_dir: Path) -> Iterator[CheckRunner]:
    """The warm runner the tests share (small limits; ``hidden_dir/data`` hidden)."""
    usable, reason = sandbox_status()
    if not usable:
        pytest.fail(f"the sandbox does not work here: {reason}")
    checks = CheckRunner(
        limits=TEST_LIMITS,
        scratch_root=tmp_path_factory.mktemp("scratch"),
        hidden_paths=[hidden_dir / "data"],
    )
    yield checks
    checks.close()


def leftovers(checks: CheckRunner) -> list[Path]:
    """Check folders and cgroups of the runner beyond those of its pre-started sandbox."""
    assert checks._pool is not None
    root = checks._pool.config.scratch_root
    folders = sorted(root.iterdir())
    prefix = cgroup_prefix(root)
    live = {f.name for f in folders}
    cgroups = [
        c
        for d in parent_dirs()
        for c in d.glob(f"{prefix}-*")
        if c.name.removeprefix(f"{prefix}-") not in live
    ]
    waiting = {p.scratch for p in checks._pool.waiting()}
    return [f for f in folders if f not in waiting] + cgroups


def processes_mentioning(marker: str) -> list[int]:
    """Host processes whose command line contains ``marker``."""
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit() and entry.name != str(os.getpid()):
            try:
                if marker.encode() in (entry / "cmdline").read_bytes():
                    found.append(int(entry.name))
            except OSError:
                continue
    return found
