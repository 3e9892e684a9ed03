"""The warm-host pools of a worker process: one per set of sandbox settings (one in practice),
built by the first prediction or at worker start (`prewarm_hosts`), closed at shutdown."""

from __future__ import annotations

import threading
from pathlib import Path
from typing import TYPE_CHECKING, Any

from modelhub.predictions.hosts import HostPool

if TYPE_CHECKING:
    from modelhub.predictions.execute import PredictTask

_pools: dict[tuple[Any, ...], HostPool] = {}
_pools_lock = threading.Lock()


def pool_for(task: PredictTask) -> HostPool:
    """This process's host pool for the task's sandbox settings (one in practice)."""
    key = (task.limits, task.scratch_root, task.hidden_paths, task.allow_unsandboxed, task.use_gpu)
    with _pools_lock:
        pool = _pools.get(key)
        if pool is None:
            pool = HostPool(
                limits=task.limits,
                scratch_root=Path(task.scratch_root),
                memory_budget=task.host_memory_bytes,
                idle_s=task.host_idle_s,
                hidden_paths=[Path(p) for p in task.hidden_paths],
                allow_unsandboxed=task.allow_unsandboxed,
                use_gpu=task.use_gpu,
                spare=task.spare_host,
            )
            _pools[key] = pool
        pool.memory_budget, pool.idle_s = task.host_memory_bytes, task.host_idle_s
        return pool


def prewarm_hosts(task: PredictTask) -> str:
    """Worker side, at start: build the host pool, which starts its spare sandbox in the
    background, so that even the first prediction of a model waits only for the model."""
    pool_for(task)
    return "warming"


def close_hosts() -> None:
    """Stop this process's warm hosts (at worker shutdown; tests)."""
    with _pools_lock:
        pools = list(_pools.values())
        _pools.clear()
    for pool in pools:
        pool.close()
