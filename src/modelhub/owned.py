"""Folders that say whether the process using them still runs.

A working folder (an upload being received, a check's scratch space) holds a file ``.owner``
that its process keeps locked (``flock``) for as long as it uses the folder. The kernel drops
the lock when the process ends, however it ends (``kill -9`` included), so a folder whose lock
can be taken belongs to nobody: ``gc`` removes it at once instead of waiting hours for an age
limit. Only processes of this machine can tell (the folders are local); nothing here needs the
database.

Taking a folder and removing an abandoned one both happen under the lock, and the taker checks
afterwards that the lock file it holds is still the folder's (``_still_there``): a folder made
and removed at the same moment is simply made again under another name.
"""

from __future__ import annotations

import contextlib
import fcntl
import os
import shutil
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

MARKER = ".owner"


@dataclass
class OwnedDir:
    """A folder this process holds; ``release`` removes it and drops the lock."""

    path: Path
    fd: int

    def release(self) -> None:
        shutil.rmtree(self.path, ignore_errors=True)
        if self.fd >= 0:
            fd, self.fd = self.fd, -1
            os.close(fd)


def _still_there(fd: int, marker: Path) -> bool:
    try:
        return os.path.samestat(os.fstat(fd), os.stat(marker))
    except FileNotFoundError:
        return False


def make_owned_dir(parent: Path, *, prefix: str = "") -> OwnedDir:
    """A fresh folder under ``parent`` (``mkdtemp`` naming) held by this process."""
    parent.mkdir(parents=True, exist_ok=True)
    while True:
        path = Path(tempfile.mkdtemp(prefix=prefix, dir=parent))
        marker = path / MARKER
        try:
            fd = os.open(marker, os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o600)
        except FileNotFoundError:
            continue  # removed by a gc between mkdtemp and here: take another name
        fcntl.flock(fd, fcntl.LOCK_EX)
        if _still_there(fd, marker):
            return OwnedDir(path, fd)
        os.close(fd)


@contextlib.contextmanager
def owned_dir(parent: Path, *, prefix: str = "") -> Iterator[Path]:
    """A held folder for the block, removed afterwards whatever happens."""
    held = make_owned_dir(parent, prefix=prefix)
    try:
        yield held.path
    finally:
        held.release()


def has_marker(path: Path) -> bool:
    return (path / MARKER).is_file()


def is_abandoned(path: Path) -> bool:
    """True when ``path`` has an owner marker that no process holds (its owner is gone)."""
    try:
        fd = os.open(path / MARKER, os.O_RDWR | os.O_CLOEXEC)
    except (FileNotFoundError, NotADirectoryError):
        return False
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        return False
    finally:
        os.close(fd)  # closing drops the lock we may have taken
    return True


def remove_if_abandoned(path: Path, *, unmarked_ok: bool = False) -> bool:
    """Remove ``path`` when no process holds it, under its lock (so that nobody takes it while
    it goes); ``unmarked_ok`` also removes a folder without marker (made before markers
    existed, or lost its marker). True when removed."""
    if not (unmarked_ok or has_marker(path)):
        return False
    try:
        fd = os.open(path / MARKER, os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o600)
    except (FileNotFoundError, NotADirectoryError):
        return False
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        os.close(fd)
        return False
    try:
        shutil.rmtree(path, ignore_errors=True)
    finally:
        os.close(fd)
    return True
