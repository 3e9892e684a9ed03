"""Resource limits for one sandboxed check, and how they read in plain words."""

from __future__ import annotations

import os
from dataclasses import dataclass

GIB = 1024**3

# Torch, onnxruntime and OpenMP start one worker thread per CPU they see; a check of a test
# tensor gains nothing beyond a few, and every thread counts against the task limit.
MAX_THREADS = 8


@dataclass(frozen=True)
class SandboxLimits:
    """What one check may use before it is stopped.

    Enforced with cgroups (memory, tasks) where the host lets us create one, otherwise with
    rlimits; CPU time and file size are always rlimits, the wall clock is watched by the hub.
    """

    timeout_s: float = 600.0
    """Wall clock for the test itself (from handing over the job to its result)."""
    memory_bytes: int = 8 * GIB
    """Memory of all processes of the check together (cgroup) or per process (rlimit)."""
    cpu_seconds: int = 1800
    """CPU time of each process of the check (RLIMIT_CPU)."""
    max_processes: int = 128
    """Processes the check may run at once (the libraries' worker threads come on top)."""
    max_file_bytes: int = 4 * GIB
    """Largest file the check may write (RLIMIT_FSIZE), and the size of its writable area."""
    log_bytes: int = 256 * 1024
    """How much of the sandbox's output is kept (head and tail)."""

    def __post_init__(self) -> None:
        for name in ("timeout_s", "memory_bytes", "cpu_seconds", "max_processes"):
            if getattr(self, name) <= 0:
                raise ValueError(f"SandboxLimits.{name} must be > 0")
        if self.max_file_bytes <= 0 or self.log_bytes < 1024:
            raise ValueError("SandboxLimits.max_file_bytes must be > 0 and log_bytes >= 1024")

    @property
    def work_bytes(self) -> int:
        """Size of the sandbox's writable tmpfs (its files count as memory too)."""
        return min(self.max_file_bytes, self.memory_bytes)

    @property
    def threads(self) -> int:
        """Worker threads each numeric library may start (OMP_NUM_THREADS and friends)."""
        return max(1, min(len(os.sched_getaffinity(0)), MAX_THREADS))

    @property
    def max_tasks(self) -> int:
        """The cgroup task limit: processes plus the libraries' worker threads.

        A cgroup counts threads as tasks; torch and onnxruntime each start a pool per process.
        """
        return self.max_processes + 4 * self.threads + 16


def format_bytes(size: int) -> str:
    """``8589934592`` -> ``"8 GB"``, ``1610612736`` -> ``"1.5 GB"`` (binary units, as `free`)."""
    for unit, factor in (("GB", GIB), ("MB", 1024**2), ("KB", 1024)):
        if size >= factor:
            value = size / factor
            return f"{value:.0f} {unit}" if value == int(value) else f"{value:.1f} {unit}"
    return f"{size} bytes"


def format_seconds(seconds: float) -> str:
    """``600.0`` -> ``"600 s"``, ``2.5`` -> ``"2.5 s"``."""
    return f"{seconds:.0f} s" if seconds == int(seconds) else f"{seconds:.1f} s"
