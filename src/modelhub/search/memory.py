"""An in-process, read-only copy of the search index (``memory_build``) that answers searches
with numpy (``memory_query``); the SQL path stays the reference and answers whenever the copy
is not current.

Every change of the index bumps a generation in the database in the same transaction
(``index.bump_generation``). A search reads it (one primary-key query): the copy answers when it
was read at that generation; otherwise SQL answers and one rebuild per database starts in a
background thread. A failed rebuild is logged and leaves SQL answering."""

from __future__ import annotations

import logging
import threading
import time
import weakref

from sqlalchemy import Engine
from sqlalchemy.orm import Session

from modelhub.search import index
from modelhub.search.memory_build import Snapshot, build

log = logging.getLogger(__name__)
RETRY_AFTER_S = 60.0  # a rebuild that failed is tried again after this, or at a new generation


class SearchMemory:
    """The copy of one database's index, and its rebuilds."""

    def __init__(self, engine: Engine) -> None:
        self._engine = weakref.ref(engine)
        self._lock = threading.Lock()
        self._snapshot: Snapshot | None = None
        self._thread: threading.Thread | None = None
        self._failed: tuple[int, float] | None = None

    @property
    def snapshot(self) -> Snapshot | None:
        """The latest copy built, current or not."""
        return self._snapshot

    def current(self, db: Session) -> Snapshot | None:
        """The copy when it holds the generation ``db`` sees; otherwise None, and a rebuild
        starts in the background (unless one is running)."""
        wanted = index.generation(db)
        snap = self._snapshot
        if snap is not None and snap.generation == wanted:
            return snap
        self._start(wanted)
        return None

    def wait(self, timeout: float) -> bool:
        """Wait at most ``timeout`` seconds for a running rebuild; True when none runs now."""
        thread = self._thread
        if thread is None:
            return True
        thread.join(timeout)
        return not thread.is_alive()

    def ensure_fresh(self, db: Session, *, timeout: float = 60.0) -> Snapshot | None:
        """The current copy, building it first (waiting at most ``timeout`` seconds) when it is
        missing or old; None when the rebuild failed or did not finish in time."""
        deadline = time.monotonic() + timeout
        while (snap := self.current(db)) is None:
            left = deadline - time.monotonic()
            if left <= 0 or not self.wait(left) or self._failed_now():
                return None
        return snap

    def _failed_now(self) -> bool:
        with self._lock:
            return self._failed is not None and self._thread is None

    def _start(self, wanted: int) -> None:
        with self._lock:
            if self._thread is not None:
                return
            if self._failed is not None:
                generation, when = self._failed
                if generation == wanted and time.monotonic() - when < RETRY_AFTER_S:
                    return
            engine = self._engine()
            if engine is None:
                return
            self._failed = None
            self._thread = threading.Thread(
                target=self._build, args=(engine, wanted), name="search-memory", daemon=True
            )
            self._thread.start()

    def _build(self, engine: Engine, wanted: int) -> None:
        try:
            snap = build(engine)
        except Exception:
            log.exception("building the search index in memory failed; SQL answers searches")
            with self._lock:
                self._failed = (wanted, time.monotonic())
                self._thread = None
            return
        with self._lock:
            old = self._snapshot
            if old is None or snap.generation >= old.generation:
                self._snapshot = snap
            self._thread = None


_attached: weakref.WeakKeyDictionary[Engine, SearchMemory] = weakref.WeakKeyDictionary()
_attach_lock = threading.Lock()


def attach(engine: Engine) -> SearchMemory:
    """The copy kept for ``engine``'s database (created empty: the first search builds it)."""
    with _attach_lock:
        found = _attached.get(engine)
        if found is None:
            found = _attached[engine] = SearchMemory(engine)
        return found


def of(db: Session) -> SearchMemory | None:
    """The copy attached to the session's database; None: searches use SQL only."""
    bind = db.get_bind()
    engine = bind if isinstance(bind, Engine) else bind.engine
    return _attached.get(engine)


def ensure_fresh(db: Session, *, wait: bool = True, timeout: float = 60.0) -> Snapshot | None:
    """The current copy of the session's database: built now (``wait``, at most ``timeout``
    seconds) or only started in the background; None when there is none to use."""
    memory = of(db)
    if memory is None:
        return None
    return memory.ensure_fresh(db, timeout=timeout) if wait else memory.current(db)
