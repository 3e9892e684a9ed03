"""The running hub's shared parts, built once per hub by ``modelhub.wiring.build_hub`` (the
composition root)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from fastapi.templating import Jinja2Templates
from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker

from modelhub.config import Settings
from modelhub.events.bus import EventBus
from modelhub.jobs.registry import JobKinds
from modelhub.links import Links
from modelhub.storage.base import Storage

if TYPE_CHECKING:  # the dispatcher imports Dask: only processes that run jobs load it
    from modelhub.jobs.dispatcher import Dispatcher
    from modelhub.search.memory import SearchMemory


@dataclass
class Hub:
    settings: Settings
    engine: Engine
    sessions: sessionmaker[Session]
    storage: Storage
    templates: Jinja2Templates
    # the kinds of jobs this hub runs (its sessions carry them too, for ``jobs.service.enqueue``)
    job_kinds: JobKinds
    # the subscribers to the events recorded with ``sessions``, delivered after each commit
    events: EventBus
    # set by `modelhub serve` (wiring.start_dispatcher in tests); the app's lifespan starts
    # and stops it
    jobs: Dispatcher | None = None
    # the copy of the search index in memory (settings.search_memory; None: SQL only)
    search_memory: SearchMemory | None = None

    @property
    def links(self) -> Links:
        """Every URL this hub hands out (the templates' ``urls``). Derived from the
        settings at each use: a base URL known only once the server listens (tests, ``serve``
        on port 0) or a files origin set later is never stale."""
        return Links.of(self.settings)
