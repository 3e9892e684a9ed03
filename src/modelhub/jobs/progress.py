"""Progress of a running job, told by its worker to the hub that dispatched it.

A worker calls `report` from inside a job's run; the message travels as a Dask event on the
``TOPIC`` topic, tagged with the task's key; the dispatcher that submitted the task hands it to
its kind's ``progress`` hook (in a transaction of the hub). Outside a Dask worker (a job run in
the command's own process) `report` does nothing. Progress is advice: lost messages only make a
progress bar jump.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

TOPIC = "modelhub-job-progress"


@dataclass(frozen=True)
class Progress:
    """A progress message of the Dask task ``key`` (a job's attempt)."""

    key: str
    data: dict[str, Any]

    @classmethod
    def of(cls, message: Any) -> Progress | None:
        """The message a worker logged with `report` (None when it has another shape)."""
        if isinstance(message, dict) and isinstance(message.get("data"), dict):
            return cls(str(message.get("key")), message["data"])
        return None


def report(data: dict[str, Any]) -> None:
    """Tell the dispatcher how the current job is doing (small JSON-able values only)."""
    from distributed import get_worker

    try:
        worker = get_worker()
    except ValueError:  # not inside a Dask worker
        return
    key = worker.get_current_task()
    if key is None:
        return
    with contextlib.suppress(Exception):  # never let a progress message fail the job
        worker.log_event(TOPIC, {"key": str(key), "data": data})


def worker_address() -> str | None:
    """The address of the Dask worker running this code (None outside one)."""
    from distributed import get_worker

    try:
        return str(get_worker().address)
    except ValueError:
        return None


def run_at(run: Callable[[Any], Any], task_input: Any) -> tuple[str | None, Any]:
    """Run a job's ``run`` and say which worker ran it (for kinds with an affinity)."""
    return worker_address(), run(task_input)
