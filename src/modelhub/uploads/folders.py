"""Staged folders kept between requests (the bioimage.io upload client's staged upload, the
wizard's refused package): each holds a ``state.json`` written atomically and a ``lock`` file that
requests using it hold; an idle one is removed after its lifetime."""

from __future__ import annotations

import contextlib
import fcntl
import os
import shutil
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

from pydantic import BaseModel

STATE = "state.json"


class StagedFile(BaseModel):
    """A file received into a staged folder."""

    size: int
    sha256: str


def write_state(folder: Path, state: BaseModel) -> None:
    """Replace the folder's ``state.json`` at once (readers never see half of it); this also
    renews the folder's mtime, which is what its lifetime counts from."""
    tmp = folder / f".{STATE}.{uuid.uuid4().hex}"
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w") as out:
        out.write(state.model_dump_json())
    os.replace(tmp, folder / STATE)


@contextlib.contextmanager
def holding_lock(folder: Path, *, missing: Exception) -> Iterator[None]:
    """Hold the folder's lock until the block ends; ``missing`` is raised when the folder is
    gone (expired, or completed by another request)."""
    try:
        fd = os.open(folder / "lock", os.O_RDWR | os.O_CREAT, 0o600)
    except FileNotFoundError:
        raise missing from None
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        yield
    finally:
        os.close(fd)


def sweep_idle(root: Path, prefix: str, lifetime_s: float) -> None:
    """Remove the folders ``root/<prefix>*`` unchanged for longer than ``lifetime_s``, except
    those a request holds the lock of right now."""
    cutoff = time.time() - lifetime_s
    for folder in root.glob(f"{prefix}*"):
        remove_idle(folder, cutoff)


def remove_idle(folder: Path, cutoff: float) -> bool:
    """Remove ``folder`` if unchanged since ``cutoff`` (epoch seconds) and no request holds its
    lock; True when removed."""
    with contextlib.suppress(FileNotFoundError, NotADirectoryError):
        if folder.stat().st_mtime >= cutoff:
            return False
        fd = os.open(folder / "lock", os.O_RDWR | os.O_CREAT, 0o600)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            shutil.rmtree(folder, ignore_errors=True)
            return True
        except BlockingIOError:
            return False  # in use: the next sweep looks again
        finally:
            os.close(fd)
    return False
