"""Loaded into each worker process of the embedded cluster (Dask's ``preload``): the worker,
and every sandbox it starts, runs at a lower CPU priority than the web server it shares the
machine with, so pages stay quick while checks and predictions keep the cores busy."""

from __future__ import annotations

import logging
import os
from typing import Any

logger = logging.getLogger(__name__)
NICENESS = 10
"""Added to the worker's priority value (0 normal, 19 lowest)."""


def dask_setup(worker: Any) -> None:
    """Dask calls this once in each worker process it starts with this module preloaded."""
    try:
        os.nice(NICENESS)
    except OSError as exc:  # pragma: no cover - a system refusing it leaves the default priority
        logger.warning("could not lower the job worker's priority: %s", exc)
