"""Refused uploads kept for the upload wizard, so that a form can fix their description.

No database row exists for them: a staged fix is a folder ``<staging>/wizard-<key>/`` holding
``state.json`` (replaced atomically, changed under a file lock) and the package's files under
``pkg/``. Only its owner can see or use it. A folder is kept ``LIFETIME_S`` (6 h) after its last
change (the hub's gc, ``maintenance``, goes by the same mtime), and each person keeps at most
``MAX_PER_USER``: staging one more drops their oldest.
"""

from __future__ import annotations

import contextlib
import re
import secrets
import shutil
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

from pydantic import BaseModel

from modelhub.errors import ResourceNotFound
from modelhub.uploads.archive import PackageFile
from modelhub.uploads.folders import STATE as _STATE
from modelhub.uploads.folders import StagedFile, holding_lock, sweep_idle, write_state
from modelhub.uploads.schemas import Problem

LIFETIME_S = 6 * 3600
MAX_PER_USER = 3
PREFIX = "wizard-"
_KEY = re.compile(r"[0-9a-f]{32}")


class StagedFix(BaseModel):
    """What ``state.json`` holds about one refused upload waiting for fixes."""

    key: str
    owner_id: int
    resource_id: str | None
    change_note: str | None
    description_file: str
    files: dict[str, StagedFile]
    code: str
    message: str
    errors: list[Problem]
    created_at: datetime

    def package_files(self) -> list[PackageFile]:
        return [PackageFile(path=p, size=f.size, sha256=f.sha256) for p, f in self.files.items()]


def expired() -> ResourceNotFound:
    return ResourceNotFound(
        "This unfinished upload is gone: it was completed, replaced by a newer one, or it "
        f"expired ({LIFETIME_S // 3600} hours after its last change). Please upload the "
        "package again."
    )


class WizardStore:
    """The staged fixes under one staging directory."""

    def __init__(self, root: Path, lifetime_s: float = LIFETIME_S) -> None:
        self.root = root
        self.lifetime_s = lifetime_s

    def folder(self, key: str) -> Path:
        if not _KEY.fullmatch(key):
            raise expired()
        return self.root / f"{PREFIX}{key}"

    def new_key(self, owner_id: int) -> str:
        """A fresh, empty folder for the owner (after dropping expired and surplus ones)."""
        self.sweep()
        mine = sorted((s.created_at, s.key) for s in self._states() if s.owner_id == owner_id)
        for _, key in mine[: max(0, len(mine) - MAX_PER_USER + 1)]:
            self.discard(key)
        key = secrets.token_hex(16)
        self.folder(key).mkdir(parents=True)
        return key

    def save(self, state: StagedFix) -> None:
        write_state(self.folder(state.key), state)

    def load(self, key: str, owner_id: int) -> StagedFix:
        """The owner's staged fix, or 404 (also for someone else's: ids do not leak)."""
        try:
            state = StagedFix.model_validate_json((self.folder(key) / _STATE).read_bytes())
        except FileNotFoundError:
            raise expired() from None
        if state.owner_id != owner_id:
            raise expired()
        return state

    @contextlib.contextmanager
    def locked(self, key: str, owner_id: int) -> Iterator[StagedFix]:
        """The staged fix re-read under its lock, held until the block ends (two tabs sending
        the same form one after the other, never at once)."""
        with holding_lock(self.folder(key), missing=expired()):
            yield self.load(key, owner_id)  # the sweeper may have removed it while we waited

    def discard(self, key: str) -> None:
        shutil.rmtree(self.folder(key), ignore_errors=True)

    def _states(self) -> Iterator[StagedFix]:
        for folder in self.root.glob(f"{PREFIX}*"):
            with contextlib.suppress(FileNotFoundError, ValueError):
                yield StagedFix.model_validate_json((folder / _STATE).read_bytes())

    def sweep(self) -> None:
        """Remove staged fixes unchanged for longer than their lifetime (unless in use)."""
        sweep_idle(self.root, PREFIX, self.lifetime_s)


def utcnow() -> datetime:
    return datetime.now(UTC)
