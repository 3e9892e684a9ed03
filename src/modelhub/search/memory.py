"""An in-process copy of the search index (``memory_store``) that answers searches with numpy
(``memory_query``); the SQL path stays the reference and answers whenever the copy is not
current.

Every change of the index bumps a generation in the database and logs which resource changed,
in the same transaction (``index.bump_generation``). A search reads the generation (one
primary-key query); when the copy is older, the search's thread reads the logged changes since
the copy's generation and applies them (a few milliseconds: ``memory_changes``,
``memory_apply``), then answers from the new snapshot; searches running meanwhile keep their
own snapshot, and others wait for the apply at most ``APPLY_WAIT_S``. The copy is read whole
only at first, when the log no longer holds its generation (SQL answers meanwhile, and a
failed read is logged and tried again after ``RETRY_AFTER_S``), or once the documents added
since exceed ``COMPACT_AT`` of it (then in the background, while the copy keeps answering)."""

from __future__ import annotations

import logging
import threading
import time
import weakref

from sqlalchemy import Engine
from sqlalchemy.orm import Session

from modelhub.search import index, memory_apply, memory_changes
from modelhub.search.memory_build import build, consistent
from modelhub.search.memory_store import Snapshot, Store

log = logging.getLogger(__name__)
RETRY_AFTER_S = 60.0  # a whole read that failed is tried again after this, or at a new generation
APPLY_WAIT_S = 2.0  # a search waits this long for another thread's apply, then asks SQL
MAX_CHANGED = 5000  # more changed resources than this: the index is read whole
COMPACT_AT = 0.25  # documents added since the whole read, as a share of it (at least 5,000)


class SearchMemory:
    """The copy of one database's index, its applied changes and its whole reads."""

    def __init__(self, engine: Engine) -> None:
        self._engine = weakref.ref(engine)
        self._lock = threading.Lock()  # guards the fields below (held briefly)
        self._apply = threading.Lock()  # held while a change is applied to the store
        self._store: Store | None = None
        self._snapshot: Snapshot | None = None
        self._thread: threading.Thread | None = None
        self._failed: tuple[int, float] | None = None
        self.whole_reads = 0  # how often the index was read whole (changes are applied)

    @property
    def snapshot(self) -> Snapshot | None:
        """The latest snapshot, current or not."""
        return self._snapshot

    def current(self, db: Session) -> Snapshot | None:
        """A snapshot at least as new as the generation ``db`` sees, after applying the logged
        changes when needed; None when there is none yet (a whole read then starts in the
        background, unless one is running)."""
        wanted = index.generation(db)
        snap = self._snapshot
        if snap is not None and snap.generation >= wanted:
            return snap
        if self._store is not None and self._apply.acquire(timeout=APPLY_WAIT_S):
            try:
                self._catch_up()
            finally:
                self._apply.release()
            snap = self._snapshot
            if snap is not None and snap.generation >= wanted:
                return snap
        if self._store is None:
            self._start(wanted)
        return None

    def _catch_up(self) -> None:
        """Apply the changes logged since the store's generation (holding ``_apply``)."""
        store, engine = self._store, self._engine()
        if store is None or engine is None:
            return
        try:
            with consistent(engine) as conn:
                changes = memory_changes.read(
                    conn, since=store.generation, known_tags=store.tag_code, limit=MAX_CHANGED
                )
            if changes is not None:
                memory_apply.apply(store, changes)
        except Exception:
            log.exception("applying changes to the search index in memory failed")
            changes = None
        if changes is None:  # the log does not reach back, or the store may be damaged
            with self._lock:
                self._store = None
            return
        self._snapshot = store.snapshot()
        grown = store.size - store.base_size
        if grown > max(5000, COMPACT_AT * store.base_size):
            self._start(store.generation)

    def wait(self, timeout: float) -> bool:
        """Wait at most ``timeout`` seconds for a running whole read; True when none runs now."""
        thread = self._thread
        if thread is None:
            return True
        thread.join(timeout)
        return not thread.is_alive()

    def ensure_fresh(self, db: Session, *, timeout: float = 60.0) -> Snapshot | None:
        """The current snapshot, reading the index first (waiting at most ``timeout`` seconds)
        when needed; None when that failed or did not finish in time."""
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
            store = build(engine)
            self.whole_reads += 1
        except Exception:
            log.exception("reading the search index into memory failed; SQL answers searches")
            with self._lock:
                self._failed = (wanted, time.monotonic())
                self._thread = None
            return
        with self._apply:  # catch up with what changed during the read, then take over
            old = self._store
            if old is not None and old.generation > store.generation:
                self._store = store
                self._catch_up()
                if self._store is None:  # could not catch up: keep the old copy
                    self._store = old
            else:
                self._store = store
                self._snapshot = store.snapshot()
        with self._lock:
            self._thread = None


_attached: weakref.WeakKeyDictionary[Engine, SearchMemory] = weakref.WeakKeyDictionary()
_attach_lock = threading.Lock()


def attach(engine: Engine) -> SearchMemory:
    """The copy kept for ``engine``'s database (created empty: the first search reads it)."""
    with _attach_lock:
        found = _attached.get(engine)
        if found is None:
            found = _attached[engine] = SearchMemory(engine)
        return found


def attached(engine: Engine) -> SearchMemory | None:
    """The copy attached to ``engine`` (``wiring.build_hub`` attaches one when the settings
    ask for it); None: searches use SQL only."""
    return _attached.get(engine)


def of(db: Session) -> SearchMemory | None:
    """The copy attached to the session's database; None: searches use SQL only."""
    bind = db.get_bind()
    engine = bind if isinstance(bind, Engine) else bind.engine
    return _attached.get(engine)


def ensure_fresh(db: Session, *, wait: bool = True, timeout: float = 60.0) -> Snapshot | None:
    """The current snapshot of the session's database: read now (``wait``, at most
    ``timeout`` seconds) or only started in the background; None when there is none to use."""
    memory = of(db)
    if memory is None:
        return None
    return memory.ensure_fresh(db, timeout=timeout) if wait else memory.current(db)
