"""The embedded cluster's size from the machine's cores and memory and the per-check limit."""

from __future__ import annotations

from pathlib import Path

import pytest

from modelhub.config import Settings
from modelhub.jobs.runtime import cluster_size
from modelhub.jobs.sizing import (
    GIB,
    HUB_RESERVE_BYTES,
    WORKER_OVERHEAD_BYTES,
    Machine,
    available_memory,
    cgroup_memory_room,
    cpu_quota,
    size_cluster,
    usable_cores,
)


@pytest.mark.parametrize(
    ("cores", "available_gib", "check_gib", "workers"),
    [
        (2, 23, 8, 2),  # 21 GiB after the reserve: 2 checks of 8 GiB, 2 cores
        (16, 64, 8, 7),  # memory bounds it: 62 // 8
        (4, 128, 8, 4),  # cores bound it
        (8, 9, 8, 1),  # 7 GiB left: no whole check, one worker all the same
        (8, 1, 8, 1),  # less than the reserve
        (32, 130, 2, 32),
        (1, 64, 1, 1),
    ],
)
def test_size_is_the_smaller_of_cores_and_checks_that_fit(
    cores: int, available_gib: int, check_gib: int, workers: int
) -> None:
    size = size_cluster(
        Machine(cores=cores, available_bytes=available_gib * GIB),
        check_memory_bytes=check_gib * GIB,
    )
    assert size.workers == workers
    assert size.worker_memory_bytes == check_gib * GIB + WORKER_OVERHEAD_BYTES
    assert f"{cores} usable core(s)" in size.reason


def test_too_little_memory_says_so() -> None:
    size = size_cluster(Machine(cores=4, available_bytes=HUB_RESERVE_BYTES), check_memory_bytes=GIB)
    assert size.workers == 1
    assert "room for 0 check(s)" in size.reason and "one worker all the same" in size.reason


def test_the_setting_overrides_the_machine() -> None:
    size = size_cluster(
        Machine(cores=64, available_bytes=512 * GIB), check_memory_bytes=8 * GIB, configured=3
    )
    assert (size.workers, size.reason) == (3, "set by MODELHUB_DASK_WORKERS")
    assert size.worker_memory_bytes == 8 * GIB + WORKER_OVERHEAD_BYTES


def test_settings_default_to_the_machine_size() -> None:
    machine = Machine(cores=6, available_bytes=34 * GIB)
    assert Settings().dask_workers is None
    assert cluster_size(Settings(check_memory_bytes=4 * GIB), machine).workers == 6
    assert cluster_size(Settings(check_memory_bytes=16 * GIB), machine).workers == 2
    assert cluster_size(Settings(dask_workers=1), machine).workers == 1


def test_the_description_names_the_figures() -> None:
    size = size_cluster(Machine(cores=2, available_bytes=23 * GIB), check_memory_bytes=8 * GIB)
    assert size.describe() == (
        "2 worker(s) of 1 thread and 9.0 GiB each: 2 usable core(s); 23.0 GiB available"
        " - 2.0 GiB for the hub leaves room for 2 check(s) of 8.0 GiB"
    )


def _cgroup(tmp_path: Path, files: dict[str, str]) -> tuple[Path, Path]:
    """A cgroup v2 tree in which this process sits in ``/hub.slice/hub``."""
    root = tmp_path / "cgroup"
    for name, text in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text + "\n")
    entry = tmp_path / "proc-self-cgroup"
    entry.write_text("0::/hub.slice/hub\n")
    return root, entry


def test_cpu_quota_caps_the_cores(tmp_path: Path) -> None:
    root, entry = _cgroup(tmp_path, {"hub.slice/hub/cpu.max": "150000 100000"})
    assert cpu_quota(root, entry) == 1.5
    assert usable_cores(root, entry) == min(2, usable_cores(tmp_path / "none", entry))


def test_no_quota_leaves_the_cores(tmp_path: Path) -> None:
    root, entry = _cgroup(tmp_path, {"hub.slice/hub/cpu.max": "max 100000"})
    assert cpu_quota(root, entry) is None
    assert usable_cores(root, entry) >= 1


def test_cgroup_memory_room_is_the_tightest_ancestor(tmp_path: Path) -> None:
    root, entry = _cgroup(
        tmp_path,
        {
            "hub.slice/hub/memory.max": "max",
            "hub.slice/hub/memory.current": str(GIB),
            "hub.slice/memory.max": str(12 * GIB),
            "hub.slice/memory.current": str(3 * GIB),
        },
    )
    assert cgroup_memory_room(root, entry) == 9 * GIB
    assert available_memory(root, entry) <= 9 * GIB


def test_no_cgroup_limits(tmp_path: Path) -> None:
    root, entry = _cgroup(tmp_path, {"hub.slice/hub/memory.max": "max"})
    assert cgroup_memory_room(root, entry) is None
    assert cpu_quota(root, entry) is None
    assert available_memory(root, entry) > 0


def test_available_memory_reads_meminfo(tmp_path: Path) -> None:
    root, entry = _cgroup(tmp_path, {})
    meminfo = tmp_path / "meminfo"
    meminfo.write_text("MemTotal:       24000000 kB\nMemAvailable:   20971520 kB\n")
    assert available_memory(root, entry, meminfo) == 20 * GIB
    root, entry = _cgroup(
        tmp_path, {"hub.slice/memory.max": str(4 * GIB), "hub.slice/memory.current": "0"}
    )
    assert available_memory(root, entry, meminfo) == 4 * GIB


def test_cgroup_v1_limits(tmp_path: Path) -> None:
    root = tmp_path / "cgroup"
    files = {
        "memory/hub/memory.limit_in_bytes": str(6 * GIB),
        "memory/hub/memory.usage_in_bytes": str(GIB),
        "memory/memory.limit_in_bytes": "9223372036854771712",
        "memory/memory.usage_in_bytes": str(GIB),
        "cpu/hub/cpu.cfs_quota_us": "100000",
        "cpu/hub/cpu.cfs_period_us": "100000",
    }
    for name, text in files.items():
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        (root / name).write_text(text + "\n")
    entry = tmp_path / "proc-self-cgroup"
    entry.write_text("4:memory:/hub\n1:cpu,cpuacct:/hub\n0::/\n")
    assert cgroup_memory_room(root, entry) == 5 * GIB
    assert cpu_quota(root, entry) == 1.0
    assert usable_cores(root, entry) == 1
