"""The running hub's shared parts, built once per hub by ``modelhub.wiring.build_hub`` (the
composition root).

This module sits low in the layers (every router depends on it through ``deps.HubDep``), so it
names the parts built by higher layers only by the protocol it needs of them."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

from fastapi.templating import Jinja2Templates
from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker

from modelhub.config import Settings
from modelhub.events.bus import EventBus
from modelhub.links import Links
from modelhub.storage.base import Storage


class JobRunner(Protocol):
    """What the app's lifespan and tests need of the job dispatcher
    (``modelhub.jobs.dispatcher.Dispatcher``)."""

    @property
    def running(self) -> bool: ...

    def start(self) -> None: ...

    def stop(self, timeout: float = ...) -> None: ...

    def drain(self, timeout: float) -> None: ...


@dataclass
class Hub:
    settings: Settings
    engine: Engine
    # sessions carry the hub's job kinds in their ``info`` (``jobs.registry.kinds_of``)
    sessions: sessionmaker[Session]
    storage: Storage
    templates: Jinja2Templates
    # the subscribers to the events recorded with ``sessions``, delivered after each commit
    events: EventBus
    # set by `modelhub serve` (wiring.start_dispatcher in tests); the app's lifespan starts
    # and stops it
    jobs: JobRunner | None = None

    @property
    def links(self) -> Links:
        """Every URL this hub hands out (the templates' ``urls``). Derived from the
        settings at each use: a base URL known only once the server listens (tests, ``serve``
        on port 0) or a files origin set later is never stale."""
        return Links.of(self.settings)
