"""Kinds of jobs: what the hub prepares, what a worker runs, and how the hub writes the result.

A domain declares its kinds in its ``tasks.py`` at import time::

    register(JobKind(name="check", prepare=prepare_check, run=run_check, apply=apply_check))

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
    """

    name: str
    prepare: Callable[[Session, Payload], Any]
    run: Callable[[Any], Any]
    apply: Callable[[Session, Payload, Any], None]
    fail: Callable[[Session, Payload, str], None] | None = None


_KINDS: dict[str, JobKind] = {}


def register(kind: JobKind) -> None:
    """Make ``kind`` known to this process. Registering a name again replaces the earlier kind:
    a hub may bind its settings into a kind's callables, and tests build several hubs."""
    _KINDS[kind.name] = kind


def get_kind(name: str) -> JobKind:
    """The kind registered as ``name``; raises ``UnknownJobKind``."""
    try:
        return _KINDS[name]
    except KeyError:
        raise UnknownJobKind(f"no job kind is registered as {name!r}") from None


def registered_kinds() -> frozenset[str]:
    """The names of every kind this process can dispatch."""
    return frozenset(_KINDS)
