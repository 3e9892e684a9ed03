"""Job kinds for the tests. Dask worker processes import this module to run the ``run_*``
functions, so it holds no fixtures and does nothing at import; ``add_to`` makes the kinds
known to a hub (the ``test_kinds`` fixture of the conftest).

Every kind shares ``prepare`` (payload ``{"n": int}`` → ``Task``), an idempotent ``apply`` that
stores ``n``'s result in the test-only ``job_effects`` table, and a ``fail`` hook that stores the
error there. Workers leave a file under ``<scratch>/runs`` per run, and the hub-side hooks count
their calls, so that tests can tell how often each step happened.
"""

from __future__ import annotations

import os
import threading
import time
import uuid
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy import Column, Integer, MetaData, Table, Text, select
from sqlalchemy.orm import Session

from modelhub.jobs.progress import report
from modelhub.jobs.registry import JobKind, JobKinds, SkipJob

metadata = MetaData()
effects = Table(
    "test_job_effects",
    metadata,
    Column("item", Integer, primary_key=True, autoincrement=False),
    Column("value", Text, nullable=False),
)

GATE_DEADLINE_S = 60


@dataclass(frozen=True)
class Task:
    n: int
    scratch: str


class Calls:
    """Hub-side call counts (the dispatcher calls hooks from its own thread)."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.applied: Counter[int] = Counter()
        self.failed: Counter[int] = Counter()
        self.progress: list[tuple[int, dict[str, Any]]] = []
        self.scratch: Path | None = None

    def reset(self, scratch: Path) -> None:
        with self.lock:
            self.applied.clear()
            self.failed.clear()
            self.progress.clear()
            self.scratch = scratch


CALLS = Calls()


def prepare(db: Session, payload: dict[str, Any]) -> Task:
    if payload.get("skip"):
        raise SkipJob("nothing to do for this one")
    if CALLS.scratch is None:
        raise RuntimeError("the test did not set a scratch directory")
    return Task(n=int(payload["n"]), scratch=str(CALLS.scratch))


def apply(db: Session, payload: dict[str, Any], result: Any) -> None:
    _store(db, int(payload["n"]), str(result))
    with CALLS.lock:
        CALLS.applied[int(payload["n"])] += 1


def fail(db: Session, payload: dict[str, Any], error: str) -> None:
    _store(db, int(payload["n"]), f"failed: {error}")
    with CALLS.lock:
        CALLS.failed[int(payload["n"])] += 1


def note_progress(db: Session, payload: dict[str, Any], data: dict[str, Any]) -> None:
    with CALLS.lock:
        CALLS.progress.append((int(payload["n"]), data))


def apply_badly(db: Session, payload: dict[str, Any], result: Any) -> None:
    raise RuntimeError("the result table is gone")


def fail_badly(db: Session, payload: dict[str, Any], error: str) -> None:
    raise RuntimeError("the fail hook is broken too")


def _store(db: Session, item: int, value: str) -> None:
    """Insert or overwrite: applying the same result twice leaves the same row."""
    if db.scalar(select(effects.c.item).where(effects.c.item == item)) is None:
        db.execute(effects.insert().values(item=item, value=value))
    else:
        db.execute(effects.update().where(effects.c.item == item).values(value=value))


def stored(db: Session) -> dict[int, str]:
    return {row.item: row.value for row in db.execute(select(effects))}


# -- worker side --------------------------------------------------------------------------------


def _record_run(task: Task) -> None:
    runs = Path(task.scratch) / "runs"
    runs.mkdir(parents=True, exist_ok=True)
    (runs / f"{task.n}.{os.getpid()}.{uuid.uuid4().hex[:6]}").touch()


def run_square(task: Task) -> int:
    _record_run(task)
    return task.n * task.n


def run_gate(task: Task) -> int:
    """Waits until the test opens the gate (``<scratch>/open``), so that it is caught running."""
    _record_run(task)
    deadline = time.monotonic() + GATE_DEADLINE_S
    while not (Path(task.scratch) / "open").exists():
        if time.monotonic() > deadline:
            raise TimeoutError("the test never opened the gate")
        time.sleep(0.02)
    return task.n * task.n


def run_crash_once(task: Task) -> int:
    """Kills its own worker process the first time it runs for ``n``."""
    _record_run(task)
    marker = Path(task.scratch) / f"crashed-{task.n}"
    if not marker.exists():
        marker.touch()
        os._exit(1)
    return task.n * task.n


def run_crash_always(task: Task) -> int:
    _record_run(task)
    os._exit(1)


def run_raise(task: Task) -> int:
    _record_run(task)
    raise ValueError(f"cannot handle {task.n}")


def run_reporting(task: Task) -> int:
    """Tells the hub how far it got, then stays a moment (the hub only hears running jobs)."""
    _record_run(task)
    report({"step": task.n})
    time.sleep(0.5)
    return task.n


def run_pids(scratch: Path, n: int) -> set[int]:
    """The worker processes that ran ``n``."""
    return {int(p.name.split(".")[1]) for p in (scratch / "runs").glob(f"{n}.*")}


def runs_of(scratch: Path, n: int) -> int:
    """How many times a worker started a run for ``n``."""
    runs = scratch / "runs"
    return len(list(runs.glob(f"{n}.*"))) if runs.is_dir() else 0


RUNS = {
    "test-square": run_square,
    "test-gate": run_gate,
    "test-crash-once": run_crash_once,
    "test-crash-always": run_crash_always,
    "test-raise": run_raise,
}
ALL = (
    *(
        JobKind(name=name, prepare=prepare, run=run, apply=apply, fail=fail)
        for name, run in RUNS.items()
    ),
    JobKind(
        name="test-progress",
        prepare=prepare,
        run=run_reporting,
        apply=apply,
        progress=note_progress,
        affinity=lambda task: "one warm model",
    ),
    JobKind(
        name="test-faulty-hooks",
        prepare=prepare,
        run=run_square,
        apply=apply_badly,
        fail=fail_badly,
    ),
)


def add_to(known: JobKinds) -> JobKinds:
    """Make the test kinds known to a hub's (or a bare dispatcher's) ``JobKinds``."""
    for kind in ALL:
        known.add(kind)
    return known
