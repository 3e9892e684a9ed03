"""The warm model hosts of one worker process: started on demand, reused, evicted, reaped.

    pool = HostPool(limits=limits, scratch_root=root, memory_budget=4 * GIB, idle_s=600)
    with pool.host(key, weight_format="torchscript", fill=copy_package) as (host, warm):
        outputs = host.predict(...)
    pool.close()

One host per key (model, version, weight format, package digest). Before a host is reused it
is pinged; one that does not answer, or whose CPU time nears its rlimit, is replaced by a fresh
one (once: a fresh one that fails is the model's failure). After a host loads, the least
recently used idle hosts are closed until all of them fit ``memory_budget``; a reaper thread
closes hosts idle for longer than ``idle_s``. With ``use_gpu`` and NVIDIA device files present,
the hosts' sandboxes get those device files (and nothing else of the host's /dev).
"""

from __future__ import annotations

import contextlib
import glob
import logging
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path

from modelhub.checks.limits import SandboxLimits
from modelhub.checks.sandbox import SandboxUnavailable, default_hidden_paths, probe
from modelhub.checks.sandbox_process import LaunchConfig
from modelhub.checks.zygote import ZygotePool
from modelhub.predictions.host import HostError, ModelHost

logger = logging.getLogger(__name__)

HOST_MODULE = "modelhub.predictions.inside"
CPU_MARGIN = 0.25
"""A host whose CPU time has used more than 1 - this of its rlimit is replaced before reuse."""


def gpu_device_nodes() -> tuple[str, ...]:
    """The NVIDIA device files of this machine (none where there is no NVIDIA GPU)."""
    return tuple(sorted(p for p in glob.glob("/dev/nvidia*") if not Path(p).is_dir()))


class HostPool:
    """Warm `ModelHost`s of this process, keyed; safe to use from several threads."""

    def __init__(
        self,
        *,
        limits: SandboxLimits,
        scratch_root: Path,
        memory_budget: int,
        idle_s: float,
        hidden_paths: Sequence[Path] = (),
        allow_unsandboxed: bool = False,
        use_gpu: bool = True,
        use_cgroups: bool = True,
        spare: bool = False,
    ) -> None:
        """``spare``: keep one sandbox started ahead (its libraries imported), so that a cold
        host waits only for its model, not for torch & co."""
        support = probe()
        if not support.usable and not allow_unsandboxed:
            raise SandboxUnavailable(support.reason)
        self.limits = limits
        self.memory_budget = memory_budget
        self.idle_s = idle_s
        self.use_gpu = use_gpu
        nodes = gpu_device_nodes() if use_gpu and support.usable else ()
        self.gpu = bool(nodes)
        hidden = tuple(Path(p) for p in [*hidden_paths, *default_hidden_paths()])
        config = LaunchConfig(
            limits,
            Path(scratch_root),
            hidden,
            support if support.usable else None,
            use_cgroups=use_cgroups,
            module=HOST_MODULE,
            device_nodes=nodes,
        )
        self._launcher = ZygotePool(config, warm=spare, depth=1)
        self._hosts: dict[str, ModelHost] = {}
        self._users: dict[str, int] = {}
        self._lock = threading.Lock()
        self._key_locks: dict[str, threading.Lock] = {}
        self._closed = threading.Event()
        self._reaper = threading.Thread(target=self._reap, name="host-reaper", daemon=True)
        self._reaper.start()

    def hosts(self) -> dict[str, ModelHost]:
        """The hosts now held (for tests and the operator)."""
        with self._lock:
            return dict(self._hosts)

    def _start(
        self, key: str, fill: Callable[[Path], None], weight_format: str, timeout_s: float
    ) -> ModelHost:
        try:
            process, _ = self._launcher.take()
        except OSError as exc:
            raise HostError("sandbox_unavailable", f"The sandbox could not start: {exc}") from exc
        host = ModelHost(process, key=key, limits=self.limits)
        try:
            host.load(
                fill,
                weight_format=weight_format,
                use_gpu=self.use_gpu and self.gpu,
                timeout_s=timeout_s,
                job_limits=self._job_limits(host),
            )
        except BaseException:
            host.close()
            raise
        return host

    def _job_limits(self, host: ModelHost) -> dict[str, int | None]:
        """The rlimits standing in for what no cgroup bounds (as the checks' runner does)."""
        cgroup = host.process.cgroup
        memory = None if cgroup and cgroup.bounds_memory else self.limits.memory_bytes
        tasks = None if cgroup and cgroup.bounds_tasks else 4 * self.limits.max_tasks + 256
        return {"memory_bytes": memory, "max_processes": tasks}

    def _usable(self, host: ModelHost) -> bool:
        if not host.ping():
            return False
        return host.cpu_used_s < (1 - CPU_MARGIN) * self.limits.cpu_seconds

    @contextlib.contextmanager
    def host(
        self,
        key: str,
        *,
        weight_format: str,
        fill: Callable[[Path], None],
        load_timeout_s: float,
    ) -> Iterator[tuple[ModelHost, bool]]:
        """The host for ``key`` (warm when it was loaded before), held while in the block."""
        with self._lock:
            if self._closed.is_set():
                raise RuntimeError("the host pool is closed")
            key_lock = self._key_locks.setdefault(key, threading.Lock())
            self._users[key] = self._users.get(key, 0) + 1
        try:
            with key_lock:  # one start per key at a time; users of a warm host do not wait
                host, warm = self._get(key, fill, weight_format, load_timeout_s)
            self._evict(keep=key)
            yield host, warm
        finally:
            with self._lock:
                self._users[key] -= 1
                if not self._users[key]:
                    del self._users[key]

    def _get(
        self, key: str, fill: Callable[[Path], None], weight_format: str, timeout_s: float
    ) -> tuple[ModelHost, bool]:
        with self._lock:
            host = self._hosts.get(key)
        if host is not None and self._usable(host):
            return host, True
        if host is not None:  # dead, hung or spent: replace it
            logger.info("replacing the model host %s", key)
            with self._lock:
                self._hosts.pop(key, None)
            host.close()
        host = self._start(key, fill, weight_format, timeout_s)
        with self._lock:
            self._hosts[key] = host
        return host, False

    def _evict(self, *, keep: str) -> None:
        """Close the least recently used idle hosts until all fit the memory budget."""
        with self._lock:
            hosts = dict(self._hosts)
        used = {key: host.memory_used() for key, host in hosts.items()}
        total = sum(used.values())
        for key, host in sorted(hosts.items(), key=lambda item: item[1].last_used):
            if total <= self.memory_budget:
                break
            with self._lock:
                if key == keep or self._users.get(key) or self._hosts.get(key) is not host:
                    continue
                del self._hosts[key]
            logger.info("evicting the model host %s (memory budget)", key)
            host.close()
            total -= used[key]

    def _reap(self) -> None:
        while not self._closed.wait(min(max(self.idle_s / 4, 0.05), 1.0)):
            now = time.monotonic()
            with self._lock:
                idle = [
                    (key, host)
                    for key, host in self._hosts.items()
                    if not self._users.get(key) and now - host.last_used > self.idle_s
                ]
                for key, _ in idle:
                    del self._hosts[key]
            for key, host in idle:
                logger.info("closing the idle model host %s", key)
                host.close()

    def close(self) -> None:
        """Stop every host and the spare sandbox; afterwards nothing of them is left."""
        self._closed.set()
        with self._lock:
            hosts, self._hosts = list(self._hosts.values()), {}
        for host in hosts:
            host.close()
        self._launcher.close()
        self._reaper.join(5.0)
