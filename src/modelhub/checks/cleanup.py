"""Removing what checks left behind when the process that ran them is gone.

A worker process (a Dask worker, or the hub itself) keeps a warm sandbox waiting, and each
sandbox has a scratch folder and, where the host allows, a cgroup. When the worker ends
normally it destroys them (`CheckRunner.close`, at exit); when it is killed (a cluster being
shut down terminates its workers), the kernel ends the sandbox (``--pdeathsig``,
``--die-with-parent``) but the folder and the cgroup stay. The hub therefore sweeps the
scratch root when it starts and when it stops: every folder, and every cgroup, whose owner
process (its id is part of the name) no longer runs is removed, its processes killed first.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import re
import shutil
from pathlib import Path

from modelhub.checks.sandbox_cgroups import CheckCgroup, parent_dirs

_OWNED = re.compile(r"^(?:check|pkg)-(?P<pid>\d+)-")


def owned_prefix(kind: str) -> str:
    """The name prefix of a scratch folder of this process (``kind``: check, pkg)."""
    return f"{kind}-{os.getpid()}-"


def _owner_gone(name: str) -> bool:
    match = _OWNED.match(name)
    if match is None:
        return False  # not ours to judge
    pid = int(match["pid"])
    if pid == os.getpid():
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return True
    except PermissionError:
        return False  # someone else's process: alive
    return False


def cgroup_prefix(scratch_root: Path) -> str:
    """Names of the cgroups of checks using ``scratch_root`` start with this (then comes the
    name of the check's scratch folder): an operator can tell whose cgroup it is."""
    digest = hashlib.sha256(str(scratch_root.resolve()).encode()).hexdigest()[:10]
    return f"modelhub-check-{digest}"


def sweep_checks(scratch_root: Path) -> list[str]:
    """Remove the scratch folders and cgroups under ``scratch_root`` whose owner is gone;
    the names of what was removed."""
    removed: list[str] = []
    prefix = f"{cgroup_prefix(scratch_root)}-"
    for parent in parent_dirs():
        with contextlib.suppress(OSError):
            for path in parent.glob(f"{prefix}*"):
                if path.is_dir() and _owner_gone(path.name.removeprefix(prefix)):
                    version = 2 if (path / "cgroup.controllers").exists() else 1
                    cgroup = CheckCgroup(version, {"": path})
                    cgroup.kill()
                    cgroup.remove()
                    removed.append(path.name)
    if scratch_root.is_dir():
        for path in scratch_root.iterdir():
            if path.is_dir() and _owner_gone(path.name):
                shutil.rmtree(path, ignore_errors=True)
                removed.append(path.name)
    return removed
