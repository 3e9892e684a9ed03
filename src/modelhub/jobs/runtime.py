"""How big the hub's embedded cluster is, from its settings and the machine (``modelhub
serve``, the composition root's ``dispatcher_for``)."""

from __future__ import annotations

from modelhub.config import Settings
from modelhub.jobs.sizing import ClusterSize, Machine, size_cluster


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
        tls = " over TLS" if settings.dask_tls_ca_file is not None else ""
        return f"jobs run on the Dask cluster at {settings.dask_scheduler}{tls}"
    return f"jobs run on an embedded Dask cluster: {size.describe()}"
