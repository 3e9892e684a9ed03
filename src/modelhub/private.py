"""Files and folders of the hub readable by the hub's own user only, whatever the umask.

The data folder holds the database (password hashes, token hashes, unpublished drafts), the
blobs of unpublished packages and uploads in progress: other accounts on the machine have no
business reading any of it. ``mkdir(mode=...)`` and ``open`` are filtered by the umask, so the
modes are set explicitly afterwards.
"""

from __future__ import annotations

import os
from pathlib import Path

DIR_MODE = 0o700
FILE_MODE = 0o600


def private_dir(path: Path, *, existing_too: bool = True) -> Path:
    """Create ``path`` (and missing parents) if needed and make it private to the hub's user.

    ``existing_too=False`` leaves a folder that exists already as it is: for a shared place
    an operator may name (a scratch folder such as /tmp), where the hub makes its own private
    sub-folders instead.
    """
    if path.is_dir() and not existing_too:
        return path
    path.mkdir(parents=True, exist_ok=True, mode=DIR_MODE)
    os.chmod(path, DIR_MODE)
    return path


def private_file(path: Path) -> Path:
    """Create ``path`` empty if missing (its content untouched otherwise) and make it private."""
    os.close(os.open(path, os.O_WRONLY | os.O_CREAT, FILE_MODE))
    os.chmod(path, FILE_MODE)
    return path


def sqlite_path(url: str) -> Path | None:
    """The database file of a ``sqlite:///`` URL; None for other databases and in-memory ones."""
    prefix = "sqlite:///"
    if not url.startswith(prefix):
        return None
    name = url[len(prefix) :].split("?", 1)[0]
    return Path(name) if name and name != ":memory:" else None
