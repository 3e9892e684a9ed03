"""Sharing a large image's windows with the other workers of a Dask cluster.

When a prediction runs inside a Dask worker, its image has at least `MIN_WINDOWS` windows and
the cluster has other workers, the windows are cut into one contiguous group per worker: this
worker predicts the first group itself while each other worker predicts one group with its own
warm host (`execute.predict_shared`, submitted through `distributed.worker_client`, which
leaves this worker's thread slot free while it waits) and hands the pieces back. Outside Dask,
or for fewer windows, everything runs here. Optional by nature: nothing changes in a process
that is not a Dask worker.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any

from modelhub.predictions.blockwise import Piece

MIN_WINDOWS = 16
"""Fewer windows than this are predicted by one worker (a host's load is not worth it)."""


@dataclass
class Shared:
    """What another worker hands back for its group of windows."""

    pieces: list[Piece] = field(default_factory=list)
    error_code: str | None = None
    message: str | None = None
    device: str | None = None


class SharedFailed(Exception):
    """Another worker could not predict its windows (a stable code, plain words)."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message


def helpers() -> list[str]:
    """Addresses of the cluster's other workers ([] when this is not a Dask worker)."""
    try:
        from distributed import get_worker

        worker = get_worker()
    except (ImportError, ValueError):
        return []
    workers = worker.client.scheduler_info(n_workers=-1).get("workers", {})
    return sorted(a for a in workers if a != worker.address)


def groups(count: int, parts: int) -> list[list[int]]:
    """``range(count)`` cut into ``parts`` contiguous groups of near-equal size."""
    size, extra = divmod(count, parts)
    found, start = [], 0
    for index in range(parts):
        end = start + size + (index < extra)
        found.append(list(range(start, end)))
        start = end
    return [g for g in found if g]


def share(
    count: int,
    local: Callable[[Sequence[int]], Iterator[list[Piece]]],
    remote: Callable[[Sequence[int]], tuple[Callable[..., Shared], tuple[Any, ...]]],
) -> Iterator[tuple[int, list[Piece]]]:
    """The pieces of every window, with how many windows they complete: ``local(indices)``
    (one window's pieces at a time) here, ``remote(indices)`` (a function and its arguments)
    on each other worker when that is worth it."""
    others = helpers() if count >= MIN_WINDOWS else []
    if not others:
        for pieces in local(range(count)):
            yield 1, pieces
        return
    from distributed import worker_client

    mine, *theirs = groups(count, len(others) + 1)
    with worker_client() as client:
        futures = []
        for address, group in zip(others, theirs, strict=False):
            function, args = remote(group)
            futures.append(client.submit(function, *args, workers=[address], pure=False, retries=0))
        for pieces in local(mine):
            yield 1, pieces
        for future, group in zip(futures, theirs, strict=False):
            try:
                result: Shared = future.result()
            except Exception as exc:  # the worker died or could not run it: say so, plainly
                raise SharedFailed(
                    "model_failed",
                    "Another worker could not predict its part of the image "
                    f"({type(exc).__name__}).",
                ) from exc
            if result.error_code is not None:
                raise SharedFailed(result.error_code, result.message or "A worker failed.")
            yield len(group), result.pieces
