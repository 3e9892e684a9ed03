"""The running hub's shared parts, built once by ``create_app`` (the composition root)."""

from __future__ import annotations

from dataclasses import dataclass

from fastapi.templating import Jinja2Templates
from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker

from modelhub.config import Settings
from modelhub.storage.base import Storage


@dataclass
class Hub:
    settings: Settings
    engine: Engine
    sessions: sessionmaker[Session]
    storage: Storage
    templates: Jinja2Templates
