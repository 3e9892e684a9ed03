"""Staged folders kept between requests (the bioimage.io upload client's staged upload, the
wizard's refused package): each has a ``lock`` file that requests using it hold, and an idle one
is removed after its lifetime."""

from __future__ import annotations

import contextlib
import fcntl
import os
import shutil
import time
from pathlib import Path


def sweep_idle(root: Path, prefix: str, lifetime_s: float) -> None:
    """Remove the folders ``root/<prefix>*`` unchanged for longer than ``lifetime_s``, except
    those a request holds the lock of right now."""
    cutoff = time.time() - lifetime_s
    for folder in root.glob(f"{prefix}*"):
        with contextlib.suppress(FileNotFoundError):
            if folder.stat().st_mtime >= cutoff:
                continue
            fd = os.open(folder / "lock", os.O_RDWR | os.O_CREAT, 0o600)
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                shutil.rmtree(folder, ignore_errors=True)
            except BlockingIOError:
                pass  # in use: the next sweep looks again
            finally:
                os.close(fd)
