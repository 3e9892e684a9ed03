"""How many workers the embedded Dask cluster gets: as many checks as the machine can run at once.

A check runs in one single-threaded worker process and may use up to the per-check memory limit
(``check_memory_bytes``). The default size is therefore the smaller of the usable cores and the
number of such limits that fit in the available memory once the hub's own share is set aside,
and never less than one. ``dask_workers`` in the settings overrides it.

The machine's figures are read where the hub runs: the CPUs this process may run on
(``os.sched_getaffinity``) capped by a cgroup CPU quota (containers), and the memory available
now (``/proc/meminfo``) capped by what the cgroup still allows.
"""

from __future__ import annotations

import math
import os
from dataclasses import dataclass
from pathlib import Path

GIB = 1024**3
HUB_RESERVE_BYTES = 2 * GIB
"""Memory left to the hub itself (web threads, search copy, dispatcher, Dask's scheduler)."""
WORKER_OVERHEAD_BYTES = 1 * GIB
"""Memory a worker process needs next to its check (Python, Dask, the judge's arrays)."""
CGROUP_ROOT = Path("/sys/fs/cgroup")
PROC_CGROUP = Path("/proc/self/cgroup")
MEMINFO = Path("/proc/meminfo")
NO_LIMIT = 2**60
"""cgroup v1 writes "no limit" as a number near 2**63."""


@dataclass(frozen=True)
class Machine:
    """What the machine offers to checks."""

    cores: int
    available_bytes: int

    @classmethod
    def here(cls) -> Machine:
        return cls(cores=usable_cores(), available_bytes=available_memory())


@dataclass(frozen=True)
class ClusterSize:
    """The embedded cluster's shape and, in plain words, why."""

    workers: int
    worker_memory_bytes: int
    reason: str

    def describe(self) -> str:
        memory = format_bytes(self.worker_memory_bytes)
        return f"{self.workers} worker(s) of 1 thread and {memory} each: {self.reason}"


def size_cluster(
    machine: Machine,
    *,
    check_memory_bytes: int,
    configured: int | None = None,
    hub_reserve_bytes: int = HUB_RESERVE_BYTES,
) -> ClusterSize:
    """The cluster for ``machine``: ``configured`` workers when set, else one per usable core
    as long as each can have ``check_memory_bytes`` of the memory left after the hub's reserve;
    at least one. Every worker's memory limit holds one check and the worker's overhead."""
    memory = check_memory_bytes + WORKER_OVERHEAD_BYTES
    if configured is not None:
        return ClusterSize(configured, memory, "set by MODELHUB_DASK_WORKERS")
    spare = max(0, machine.available_bytes - hub_reserve_bytes)
    by_memory = spare // check_memory_bytes
    workers = max(1, min(machine.cores, by_memory))
    reason = (
        f"{machine.cores} usable core(s); {format_bytes(machine.available_bytes)} available"
        f" - {format_bytes(hub_reserve_bytes)} for the hub leaves room for {by_memory}"
        f" check(s) of {format_bytes(check_memory_bytes)}"
    )
    if by_memory < 1:
        reason += "; one worker all the same (a check may then run out of memory)"
    return ClusterSize(workers, memory, reason)


def usable_cores(cgroup_root: Path = CGROUP_ROOT, proc_cgroup: Path = PROC_CGROUP) -> int:
    """The CPUs this process may run on, capped by its cgroup's CPU quota (rounded up)."""
    try:
        cores = len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        cores = os.cpu_count() or 1
    quota = cpu_quota(cgroup_root, proc_cgroup)
    if quota is not None:
        cores = min(cores, max(1, math.ceil(quota)))
    return max(1, cores)


def available_memory(
    cgroup_root: Path = CGROUP_ROOT, proc_cgroup: Path = PROC_CGROUP, meminfo: Path = MEMINFO
) -> int:
    """Memory available now (``MemAvailable``), capped by what this process's cgroup allows."""
    available = _mem_available(meminfo)
    room = cgroup_memory_room(cgroup_root, proc_cgroup)
    return available if room is None else min(available, room)


def _mem_available(meminfo: Path) -> int:
    for line in (_read(meminfo) or "").splitlines():
        name, _, value = line.partition(":")
        if name == "MemAvailable":
            return int(value.split()[0]) * 1024  # kB
    return os.sysconf("SC_AVPHYS_PAGES") * os.sysconf("SC_PAGE_SIZE")  # free pages


def cpu_quota(cgroup_root: Path = CGROUP_ROOT, proc_cgroup: Path = PROC_CGROUP) -> float | None:
    """CPUs' worth of time the cgroup allows (v2 ``cpu.max``, v1 ``cpu.cfs_quota_us``), the
    tightest of its ancestors; None without a quota."""
    quotas = []
    for folder in _own_cgroup(cgroup_root, proc_cgroup):
        quota, _, period = (_read(folder / "cpu.max") or "max").partition(" ")
        if quota != "max" and period:
            quotas.append(int(quota) / int(period))
    for folder in _own_cgroup(cgroup_root, proc_cgroup, "cpu"):
        quota_us, period_us = (
            _read(folder / "cpu.cfs_quota_us"),
            _read(folder / "cpu.cfs_period_us"),
        )
        if quota_us is not None and period_us is not None and int(quota_us) > 0:
            quotas.append(int(quota_us) / int(period_us))
    return min(quotas) if quotas else None


def cgroup_memory_room(
    cgroup_root: Path = CGROUP_ROOT, proc_cgroup: Path = PROC_CGROUP
) -> int | None:
    """Bytes this process's cgroup still lets it use (limit - current use), the tightest of its
    ancestors (v2 ``memory.max``, v1 ``memory.limit_in_bytes``); None without a limit."""
    rooms = []
    for names, controller in (
        (("memory.max", "memory.current"), None),
        (("memory.limit_in_bytes", "memory.usage_in_bytes"), "memory"),
    ):
        for folder in _own_cgroup(cgroup_root, proc_cgroup, controller):
            limit, current = (_read(folder / name) for name in names)
            if limit is None or current is None or limit == "max" or int(limit) >= NO_LIMIT:
                continue
            rooms.append(max(0, int(limit) - int(current)))
    return min(rooms) if rooms else None


def _own_cgroup(cgroup_root: Path, proc_cgroup: Path, controller: str | None = None) -> list[Path]:
    """This process's cgroup folder and its ancestors: v2 (``controller`` None), or the v1
    hierarchy of ``controller``, mounted at ``<cgroup_root>/<controller>``."""
    base = cgroup_root if controller is None else cgroup_root / controller
    relative = "/"
    for line in (_read(proc_cgroup) or "").splitlines():
        _, controllers, path = line.split(":", 2)
        if (controller is None and controllers == "") or controller in controllers.split(","):
            relative = path
            break
    folder = base / relative.strip("/")
    return [f for f in (folder, *folder.parents) if f == base or base in f.parents]


def _read(path: Path) -> str | None:
    try:
        return path.read_text().strip()
    except OSError:
        return None


def format_bytes(size: int) -> str:
    """``8589934592`` → ``8.0 GiB``."""
    return f"{size / GIB:.1f} GiB"
