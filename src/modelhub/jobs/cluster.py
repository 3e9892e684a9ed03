"""The Dask side: the embedded cluster, and what Dask's errors mean in plain words."""

from __future__ import annotations

from concurrent.futures import CancelledError

import dask
from distributed import KilledWorker, LocalCluster

WORKER_LOST = (
    "The worker process running this job stopped (it crashed, ran out of memory or was killed)."
)
TASK_DROPPED = "The Dask cluster dropped this job's task."
NICENESS_MODULE = "modelhub.jobs.niceness"


def embedded_cluster(n_workers: int, memory_limit: int | None = None) -> LocalCluster:
    """A LocalCluster of ``n_workers`` single-threaded worker processes on the loopback, each
    allowed ``memory_limit`` bytes (None: Dask's share of the machine's memory).

    Its scheduler reports a task whose worker died at once (``allowed-failures`` 0) instead of
    running it again on its own: the job's attempts are then the one bounded retry count.
    Worker processes are spawned and re-import the main module: call this from importable code.
    They run below the web server's CPU priority (``niceness``), sandboxes included.
    """
    with dask.config.set({"distributed.scheduler.allowed-failures": 0}):
        return LocalCluster(
            n_workers=n_workers,
            processes=True,
            threads_per_worker=1,
            memory_limit="auto" if memory_limit is None else memory_limit,
            host="127.0.0.1",
            dashboard_address=None,
            # the scheduler serves health and metrics even without a dashboard, by default on
            # port 8787: a free loopback port instead, so that two hubs on a machine both start
            scheduler_kwargs={"dashboard_address": "127.0.0.1:0", "dashboard": False},
            preload=[NICENESS_MODULE],
        )


def describe_error(exc: BaseException) -> str:
    """An exception from a run (or from Dask) in plain words, for the job's ``error``."""
    if isinstance(exc, KilledWorker):
        return WORKER_LOST
    if isinstance(exc, CancelledError):
        return TASK_DROPPED
    text = str(exc).strip()
    return f"{type(exc).__name__}: {text}" if text else type(exc).__name__
