"""Nothing of the checks outlives the processes that ran them: a worker killed with its warm
sandbox leaves a folder and a cgroup, which the sweep (run at hub start and stop) removes."""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
import textwrap
from pathlib import Path

from modelhub.app import create_app
from modelhub.checks.cleanup import cgroup_prefix, sweep_checks
from modelhub.checks.sandbox_cgroups import parent_dirs
from modelhub.config import Settings
from tests.unit.checks.conftest import processes_mentioning

WORKER = """
import sys
from pathlib import Path
from modelhub.checks.runner import CheckRunner
runner = CheckRunner(scratch_root=Path(sys.argv[1]))
assert runner.wait_warm(300)
print("warm", flush=True)
sys.stdin.read()  # until killed
"""


def our_cgroups(root: Path) -> list[Path]:
    prefix = cgroup_prefix(root)
    return [c for d in parent_dirs() for c in d.glob(f"{prefix}-*")]


def dead_pid() -> int:
    done = subprocess.Popen(["true"])
    done.wait()
    return done.pid


def test_a_killed_workers_sandbox_is_swept(tmp_path: Path) -> None:
    root = tmp_path / "scratch"
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(sys.path)}
    worker = subprocess.Popen(
        [sys.executable, "-c", textwrap.dedent(WORKER), str(root)],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
        env=env,
    )
    try:
        assert worker.stdout is not None and worker.stdout.readline() == "warm\n"
        folders = sorted(p.name for p in root.iterdir())
        assert len(folders) == 2  # the warm sandboxes waiting
        assert all(f.startswith(f"check-{worker.pid}-") for f in folders)
        assert sweep_checks(root) == []  # its owner runs: not touched
    finally:
        worker.send_signal(signal.SIGKILL)  # as a cluster's shutdown may end a worker
        worker.wait()
        for pipe in (worker.stdin, worker.stdout):
            if pipe is not None:
                pipe.close()
    # the kernel ended the sandbox with its worker; its folder and cgroup stayed behind
    assert sorted(p.name for p in root.iterdir()) == folders
    cgroups = our_cgroups(root)
    removed = sweep_checks(root)
    assert sorted(removed) == sorted([*folders, *(c.name for c in cgroups)])
    assert list(root.iterdir()) == [] and our_cgroups(root) == []
    assert processes_mentioning(str(root)) == []


def test_the_hub_sweeps_when_it_starts_and_stops(settings: Settings, tmp_path: Path) -> None:
    scratch = settings.check_scratch_dir = tmp_path / "scratch"
    scratch.mkdir()
    left = scratch / f"check-{dead_pid()}-abc123"
    (left / "package").mkdir(parents=True)
    kept = scratch / "someone-elses"
    kept.mkdir()
    app = create_app(settings)

    async def serve() -> None:
        async with app.router.lifespan_context(app):  # what uvicorn runs around serving
            assert not left.exists()
            (scratch / f"pkg-{dead_pid()}-7-xyz").mkdir()

    asyncio.run(serve())
    assert [p.name for p in scratch.iterdir()] == ["someone-elses"]
