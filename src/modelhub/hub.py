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
