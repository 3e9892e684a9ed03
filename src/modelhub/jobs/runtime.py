"""Building the hub's dispatcher from its settings (``modelhub serve``, tests)."""

from __future__ import annotations

import logging

from modelhub.config import Settings
from modelhub.hub import Hub
from modelhub.jobs.dispatcher import Dispatcher
from modelhub.jobs.sizing import ClusterSize, Machine, size_cluster

log = logging.getLogger(__name__)


def cluster_size(settings: Settings, machine: Machine | None = None) -> ClusterSize:
    """The embedded cluster these settings ask for on ``machine`` (default: this one)."""
    return size_cluster(
        machine or Machine.here(),
        check_memory_bytes=settings.check_memory_bytes,
        configured=settings.dask_workers,
    )


def jobs_line(settings: Settings, size: ClusterSize | None) -> str:
    """Where this hub's jobs run, in one line (logged and printed at start)."""
    if size is None:
        return f"jobs run on the Dask cluster at {settings.dask_scheduler}"
    return f"jobs run on an embedded Dask cluster: {size.describe()}"


def dispatcher_for(hub: Hub, size: ClusterSize | None = None) -> Dispatcher:
    """A dispatcher for ``hub`` as its settings describe it, not started yet; its embedded
    cluster (when no scheduler is set) has ``size``, by default sized from this machine."""
    settings = hub.settings
    if settings.dask_scheduler is None and size is None:
        size = cluster_size(settings)
    log.info("%s", jobs_line(settings, size))
    return Dispatcher(
        hub.sessions,
        scheduler_address=settings.dask_scheduler,
        n_workers=size.workers if size else 1,
        worker_memory_bytes=size.worker_memory_bytes if size else None,
        max_attempts=settings.job_max_attempts,
    )


def start_dispatcher(hub: Hub) -> Dispatcher:
    """Start the dispatcher of ``hub`` (built from its settings when it has none) and keep it in
    ``hub.jobs``, where the app's lifespan will stop it; stop it yourself otherwise."""
    dispatcher = hub.jobs or dispatcher_for(hub)
    dispatcher.start()
    hub.jobs = dispatcher
    return dispatcher
