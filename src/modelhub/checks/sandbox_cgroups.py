"""One cgroup per check: bounds memory and tasks of everything inside, and tells us afterwards
whether the bound was hit (OOM kill, refused fork), which rlimits cannot: RLIMIT_NPROC does
not apply to root's processes (not even inside a user namespace, the kernel exempts the root
user itself), and RLIMIT_AS bounds each process alone.

Works with cgroup v1 (a hierarchy per controller, e.g. ``/sys/fs/cgroup/memory``) and v2 (one
unified hierarchy). Child cgroups are made below the cgroup this process is in, so that limits
set on the hub's own cgroup keep applying. Where none can be made (no permission, or v2
without delegated controllers), `create_cgroup` returns None and the caller falls back to
rlimits.
"""

from __future__ import annotations

import contextlib
import os
import signal
import time
from dataclasses import dataclass
from pathlib import Path

_CONTROLLERS = ("memory", "pids")
_PROC = Path("/proc/self")


@dataclass(frozen=True)
class _Mount:
    root: str
    point: Path
    fstype: str
    options: frozenset[str]


def _mounts() -> list[_Mount]:
    mounts = []
    with contextlib.suppress(OSError):
        for line in (_PROC / "mountinfo").read_text().splitlines():
            left, _, right = line.partition(" - ")
            fields, tail = left.split(), right.split()
            if len(fields) >= 5 and len(tail) >= 3 and tail[0] in ("cgroup", "cgroup2"):
                point = Path(fields[4].replace("\\040", " "))
                mounts.append(_Mount(fields[3], point, tail[0], frozenset(tail[2].split(","))))
    return mounts


def _own_paths() -> dict[str, str]:
    """controller ("" for v2) -> this process's cgroup path, from /proc/self/cgroup."""
    paths: dict[str, str] = {}
    with contextlib.suppress(OSError):
        for line in (_PROC / "cgroup").read_text().splitlines():
            _, controllers, path = line.split(":", 2)
            for controller in controllers.split(",") if controllers else [""]:
                paths[controller] = path
    return paths


def _join(mount: _Mount, path: str) -> Path:
    # inside a cgroup namespace or a bind-mounted hierarchy the mount's root is not "/"
    if mount.root != "/" and path.startswith(mount.root):
        path = path[len(mount.root) :]
    return mount.point / path.lstrip("/")


def _write(path: Path, value: str) -> bool:
    try:
        path.write_text(value)
    except OSError:
        return False
    return True


def _counter(path: Path, key: str) -> int:
    """The value of ``key`` in a flat-keyed cgroup file (memory.events, pids.events…)."""
    with contextlib.suppress(OSError, ValueError):
        for line in path.read_text().splitlines():
            name, _, value = line.partition(" ")
            if name == key:
                return int(value)
    return 0


class CheckCgroup:
    """The cgroup directories (one per v1 controller, or one v2 directory) of one check."""

    def __init__(self, version: int, dirs: dict[str, Path]) -> None:
        self.version = version
        self.dirs = dirs
        """controller -> directory; both controllers share one directory on v2."""

    @property
    def procs_files(self) -> list[Path]:
        """The files a process writes its pid into to join (one per distinct directory)."""
        return [d / "cgroup.procs" for d in dict.fromkeys(self.dirs.values())]

    @property
    def bounds_memory(self) -> bool:
        return "memory" in self.dirs

    @property
    def bounds_tasks(self) -> bool:
        return "pids" in self.dirs

    def oom_killed(self) -> bool:
        """Whether the kernel killed a process here for exceeding the memory limit."""
        directory = self.dirs.get("memory")
        if directory is None:
            return False
        if self.version == 2:
            return _counter(directory / "memory.events", "oom_kill") > 0
        return _counter(directory / "memory.oom_control", "oom_kill") > 0

    def hit_task_limit(self) -> bool:
        """Whether a fork or thread start was refused because of the task limit."""
        directory = self.dirs.get("pids")
        return directory is not None and _counter(directory / "pids.events", "max") > 0

    def memory_used(self) -> int | None:
        """Bytes of memory charged to the cgroup now (None where memory is not accounted)."""
        directory = self.dirs.get("memory")
        if directory is None:
            return None
        name = "memory.current" if self.version == 2 else "memory.usage_in_bytes"
        with contextlib.suppress(OSError, ValueError):
            return int((directory / name).read_text())
        return None

    def pids(self) -> set[int]:
        found: set[int] = set()
        for procs in self.procs_files:
            with contextlib.suppress(OSError, ValueError):
                found.update(int(p) for p in procs.read_text().split())
        return found

    def kill(self) -> None:
        """SIGKILL every process here, repeatedly, until none is left (or 2 s have passed)."""
        if self.version == 2:
            _write(next(iter(self.dirs.values())) / "cgroup.kill", "1")
        deadline = time.monotonic() + 2.0
        while (pids := self.pids()) and time.monotonic() < deadline:
            for pid in pids:
                with contextlib.suppress(ProcessLookupError, PermissionError):
                    os.kill(pid, signal.SIGKILL)
            time.sleep(0.01)

    def remove(self) -> None:
        """Remove the directories; a dying task can keep one busy for a moment, so retry."""
        for directory in dict.fromkeys(self.dirs.values()):
            deadline = time.monotonic() + 2.0
            while directory.exists():
                try:
                    directory.rmdir()
                except OSError:
                    if time.monotonic() > deadline:
                        break
                    time.sleep(0.02)


def _create_v1(name: str, memory_bytes: int, max_tasks: int) -> CheckCgroup | None:
    own = _own_paths()
    dirs: dict[str, Path] = {}
    for mount in _mounts():
        for controller in _CONTROLLERS:
            if mount.fstype != "cgroup" or controller not in mount.options or controller in dirs:
                continue
            directory = _join(mount, own.get(controller, "/")) / name
            try:
                directory.mkdir()
            except OSError:
                continue
            dirs[controller] = directory
    cgroup = CheckCgroup(1, dirs)
    ok = True
    if "memory" in dirs:
        ok &= _write(dirs["memory"] / "memory.limit_in_bytes", str(memory_bytes))
        # memsw exists only with swap accounting; without it there is no swap to bound
        _write(dirs["memory"] / "memory.memsw.limit_in_bytes", str(memory_bytes))
    if "pids" in dirs:
        ok &= _write(dirs["pids"] / "pids.max", str(max_tasks))
    if not ok or not dirs:
        cgroup.remove()
        return None
    return cgroup


def _create_v2(name: str, memory_bytes: int, max_tasks: int) -> CheckCgroup | None:
    mount = next((m for m in _mounts() if m.fstype == "cgroup2"), None)
    own = _own_paths().get("")
    if mount is None or own is None:
        return None
    parent = _join(mount, own)
    with contextlib.suppress(OSError):
        enabled = set((parent / "cgroup.subtree_control").read_text().split())
        missing = [c for c in _CONTROLLERS if c not in enabled]
        # refused (EBUSY) when our own cgroup holds processes and is not the root: then the
        # controllers were not delegated to us and we fall back to rlimits
        if missing and _write(
            parent / "cgroup.subtree_control", " ".join(f"+{c}" for c in missing)
        ):
            enabled.update(missing)
        if not enabled.intersection(_CONTROLLERS):
            return None
        directory = parent / name
        directory.mkdir()
        cgroup = CheckCgroup(2, {c: directory for c in _CONTROLLERS if c in enabled})
        ok = True
        if cgroup.bounds_memory:
            ok &= _write(directory / "memory.max", str(memory_bytes))
            _write(directory / "memory.swap.max", "0")
            _write(directory / "memory.oom.group", "1")  # one OOM kill takes the whole check
        if cgroup.bounds_tasks:
            ok &= _write(directory / "pids.max", str(max_tasks))
        if ok:
            return cgroup
        cgroup.remove()
    return None


def parent_dirs() -> list[Path]:
    """The directories our check cgroups are made in (one per hierarchy)."""
    own = _own_paths()
    found = []
    for mount in _mounts():
        if mount.fstype == "cgroup2":
            found.append(_join(mount, own.get("", "/")))
        else:
            controller = next((c for c in _CONTROLLERS if c in mount.options), None)
            if controller is not None:
                found.append(_join(mount, own.get(controller, "/")))
    return [d for d in found if d.is_dir()]


def create_cgroup(name: str, *, memory_bytes: int, max_tasks: int) -> CheckCgroup | None:
    """Make a cgroup bounding memory and/or tasks, or None where the host does not let us."""
    return _create_v1(name, memory_bytes, max_tasks) or _create_v2(name, memory_bytes, max_tasks)


def named_cgroups(prefix: str) -> list[Path]:
    """The cgroup directories below ours whose names start with ``prefix`` (one per hierarchy
    on v1): what ``gc`` looks through for checks whose worker died."""
    found: list[Path] = []
    for parent in dict.fromkeys(parent_dirs()):
        with contextlib.suppress(OSError):
            found += [d for d in parent.iterdir() if d.name.startswith(prefix) and d.is_dir()]
    return found


def destroy_cgroup(directory: Path) -> None:
    """Kill whatever still runs in ``directory`` and remove it."""
    version = 2 if (directory / "cgroup.controllers").exists() else 1
    cgroup = CheckCgroup(version, {"memory": directory})
    cgroup.kill()
    cgroup.remove()
