"""Kinds of jobs: what the hub prepares, what a worker runs, and how the hub writes the result.

A domain offers its kinds in its ``tasks.py`` (``make_kind(settings) -> JobKind``); the
composition root (``modelhub.wiring``) binds them to the hub's settings and adds them to the
hub's ``JobKinds``::

    hub.job_kinds.add(JobKind(name="check", prepare=prepare, run=run_check, apply=apply))

``run`` executes on a Dask worker, possibly on another machine: it must be a top-level function
of an importable module, must not touch the database (workers have no credentials) and gets
only what ``prepare`` returned. ``prepare``, ``apply`` and ``fail`` run in the hub inside the
dispatcher's transaction; they never commit.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from sqlalchemy.orm import Session

Payload = dict[str, Any]


class SkipJob(Exception):
    """Raised by ``prepare`` when there is nothing left to do (e.g. the row it names is gone).

    The job ends as succeeded with ``{"skipped": <message>}`` as its result; nothing runs.
    """


class UnknownJobKind(LookupError):
    """No kind of job is registered under this name."""


@dataclass(frozen=True)
class JobKind:
    """How one kind of job runs; see the module docstring for where each callable runs.

    - ``prepare(db, payload)``: re-load the rows named by the payload's ids and return a picklable
      task input (storage locations, file lists); may raise ``SkipJob``.
    - ``run(task_input)``: on a worker; returns a picklable result.
    - ``apply(db, payload, result)``: write the result. Must be idempotent: applying the same
      result twice leaves the same state.
    - ``fail(db, payload, error)``: optional; called once when the job has finally failed (after
      its retries) with the error in plain words.
    - ``progress(db, payload, data)``: optional; what the run reported on its way
      (``jobs.progress.report`` on the worker), written by the hub while the job runs.
    - ``affinity(task_input)``: optional; a key naming what the run keeps warm in its worker
      process (a loaded model): the next task with the same key goes to the worker that ran the
      last one, when that worker is idle.
    """

    name: str
    prepare: Callable[[Session, Payload], Any]
    run: Callable[[Any], Any]
    apply: Callable[[Session, Payload, Any], None]
    fail: Callable[[Session, Payload, str], None] | None = None
    progress: Callable[[Session, Payload, dict[str, Any]], None] | None = None
    affinity: Callable[[Any], str | None] | None = None


KINDS_INFO = "modelhub.jobs.kinds"
"""``Session.info`` key of the hub's ``JobKinds`` (set by the composition root on its session
factory), so that ``service.enqueue`` refuses an unknown kind in the request that asks for it."""


class JobKinds:
    """The kinds one hub runs, bound to its settings; built by the composition root and given
    to the dispatcher (no registry is shared by the process: tests build several hubs)."""

    def __init__(self) -> None:
        self._kinds: dict[str, JobKind] = {}

    def add(self, kind: JobKind) -> None:
        """Make ``kind`` known; adding a name again replaces the earlier kind."""
        self._kinds[kind.name] = kind

    def get(self, name: str) -> JobKind:
        """The kind known as ``name``; raises ``UnknownJobKind``."""
        try:
            return self._kinds[name]
        except KeyError:
            raise UnknownJobKind(f"no job kind is registered as {name!r}") from None

    def names(self) -> frozenset[str]:
        """The names of every kind this hub can dispatch."""
        return frozenset(self._kinds)


def kinds_of(sessions_info: dict[str, Any]) -> JobKinds | None:
    """The ``JobKinds`` a session (or session factory) carries in its ``info``, if any."""
    found = sessions_info.get(KINDS_INFO)
    return found if isinstance(found, JobKinds) else None
