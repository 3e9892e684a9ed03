"""The running hub's shared parts, built once by ``create_app`` (the composition root)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from fastapi.templating import Jinja2Templates
from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker

from modelhub.config import Settings
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
    # set by `modelhub serve` (jobs.runtime.start_dispatcher in tests); the app's lifespan starts
    # and stops it
    jobs: Dispatcher | None = None
    # the copy of the search index in memory (settings.search_memory; None: SQL only)
    search_memory: SearchMemory | None = None

    def __post_init__(self) -> None:
        if self.search_memory is None and self.settings.search_memory:
            from modelhub.search.memory import attach  # numpy: loaded by processes that search

            self.search_memory = attach(self.engine)
