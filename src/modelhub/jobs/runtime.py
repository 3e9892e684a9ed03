"""Building the hub's dispatcher from its settings (``modelhub serve``, tests)."""

from __future__ import annotations

from modelhub.hub import Hub
from modelhub.jobs.dispatcher import Dispatcher


def dispatcher_for(hub: Hub) -> Dispatcher:
    """A dispatcher for ``hub`` as its settings describe it, not started yet."""
    settings = hub.settings
    return Dispatcher(
        hub.sessions,
        scheduler_address=settings.dask_scheduler,
        n_workers=settings.dask_workers,
        max_attempts=settings.job_max_attempts,
    )


def start_dispatcher(hub: Hub) -> Dispatcher:
    """Start the dispatcher of ``hub`` (built from its settings when it has none) and keep it in
    ``hub.jobs``, where the app's lifespan will stop it; stop it yourself otherwise."""
    dispatcher = hub.jobs or dispatcher_for(hub)
    dispatcher.start()
    hub.jobs = dispatcher
    return dispatcher
