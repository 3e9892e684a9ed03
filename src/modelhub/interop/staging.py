"""Staged uploads of the bioimage.io upload client (``bioimageio.spec.upload``), without HTTP.

The client creates an upload, announces each file (``put_file``), PUTs its bytes to the URL it
got back, then asks for review (``edit``). Until that completion step no database row exists: a
staged upload is a folder ``<staging>/hypha-<key>/`` holding ``state.json`` (replaced atomically,
changed under a file lock) and the received files under ``pkg/``. A folder is kept
``LIFETIME_S`` (6 h) after its last change (it outlives requests, unlike an upload's own staging
folder, which gc removes as soon as its process is gone): the hub's gc (``maintenance``) and
``StagingArea.sweep`` (run at each create) go by the folder's mtime.

PUT bodies are read by ``multipart``.
"""

from __future__ import annotations

import contextlib
import hashlib
import hmac
import os
import re
import secrets
import shutil
import uuid
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from pydantic import BaseModel

from modelhub.errors import Conflict, ErrorDetail, HubError, ResourceNotFound, UploadRefused
from modelhub.uploads.archive import PackageFile, safe_member_name
from modelhub.uploads.folders import STATE as _STATE
from modelhub.uploads.folders import StagedFile, holding_lock, sweep_idle, write_state
from modelhub.uploads.messages import human_size, too_large, too_many_files

LIFETIME_S = 6 * 3600
MAX_OPEN_PER_USER = 20
PREFIX = "hypha-"
_ARTIFACT = re.compile(r"(?:bioimage-io/)?staged-([0-9a-f]{32})")

# --------------------------------------------------------------------------- state


class StagedState(BaseModel):
    """What ``state.json`` holds about one staged upload."""

    key: str
    owner_id: int
    secret: str  # signs the PUT URLs (per path); never shown
    alias: str | None
    type: str
    name: str | None
    created_at: datetime
    announced: list[str] = []
    files: dict[str, StagedFile] = {}
    result: dict[str, Any] | None = None  # the UploadResult, once completed

    @property
    def artifact_id(self) -> str:
        return f"bioimage-io/staged-{self.key}"

    @property
    def missing(self) -> list[str]:
        return [p for p in self.announced if p not in self.files]

    def signature(self, path: str) -> str:
        return hmac.new(self.secret.encode(), path.encode(), hashlib.sha256).hexdigest()

    def signature_ok(self, path: str, given: str) -> bool:
        return hmac.compare_digest(self.signature(path), given)


def no_such_upload(artifact_id: str) -> ResourceNotFound:
    return ResourceNotFound(
        f"There is no staged upload '{artifact_id}' of yours (it may have expired: staged "
        f"uploads are kept {LIFETIME_S // 3600} hours after their last change)."
    )


def key_of(artifact_id: str) -> str:
    match = _ARTIFACT.fullmatch(artifact_id)
    if match is None:
        raise no_such_upload(artifact_id)
    return match.group(1)


class StagingArea:
    """The staged uploads under one staging directory."""

    def __init__(self, root: Path, lifetime_s: float = LIFETIME_S) -> None:
        self.root = root
        self.lifetime_s = lifetime_s

    def folder(self, key: str) -> Path:
        return self.root / f"{PREFIX}{key}"

    def create(
        self, *, owner_id: int, alias: str | None, type: str, name: str | None
    ) -> StagedState:
        """A new, empty staged upload; refuses an owner with too many open ones."""
        self.sweep()
        if self.open_count(owner_id) >= MAX_OPEN_PER_USER:
            raise HubError(
                f"You have {MAX_OPEN_PER_USER} unfinished uploads. Finish one (edit with status "
                f"'request-review') or wait until they expire ({LIFETIME_S // 3600} hours).",
                status_code=429,
                code="too_many_staged_uploads",
            )
        key = secrets.token_hex(16)
        state = StagedState(
            key=key,
            owner_id=owner_id,
            secret=secrets.token_urlsafe(32),
            alias=alias,
            type=type,
            name=name,
            created_at=datetime.now(UTC),
        )
        (self.folder(key) / "pkg").mkdir(parents=True)
        self.save(state)
        return state

    def load(self, key: str) -> StagedState | None:
        try:
            return StagedState.model_validate_json((self.folder(key) / _STATE).read_bytes())
        except FileNotFoundError:
            return None

    def owned(self, artifact_id: str, owner_id: int) -> StagedState:
        """The upload named by ``artifact_id`` if it is the owner's (else 404, like no upload)."""
        state = self.load(key_of(artifact_id))
        if state is None or state.owner_id != owner_id:
            raise no_such_upload(artifact_id)
        return state

    def save(self, state: StagedState) -> None:
        write_state(self.folder(state.key), state)

    @contextlib.contextmanager
    def locked(self, artifact_id: str, owner_id: int | None = None) -> Iterator[StagedState]:
        """The upload's state, re-read under its lock (held until the block ends)."""
        key = key_of(artifact_id)
        with holding_lock(self.folder(key), missing=no_such_upload(artifact_id)):
            state = self.load(key)  # the sweeper may have removed it while we waited
            if state is None or (owner_id is not None and state.owner_id != owner_id):
                raise no_such_upload(artifact_id)
            yield state

    def touch(self, key: str) -> None:
        with contextlib.suppress(FileNotFoundError):
            os.utime(self.folder(key))

    def expires_at(self, key: str) -> datetime:
        mtime = self.folder(key).stat().st_mtime
        return datetime.fromtimestamp(mtime + self.lifetime_s, UTC)

    def open_count(self, owner_id: int) -> int:
        count = 0
        for folder in self.root.glob(f"{PREFIX}*"):
            state = self.load(folder.name.removeprefix(PREFIX))
            count += state is not None and state.owner_id == owner_id and state.result is None
        return count

    def sweep(self) -> None:
        """Remove staged uploads unchanged for longer than their lifetime (unless in use)."""
        sweep_idle(self.root, PREFIX, self.lifetime_s)

    # ------------------------------------------------------------------ the three steps

    def announce(self, state: StagedState, file_path: str, *, max_files: int) -> str:
        """Record that ``file_path`` will be PUT (call under the lock); the clean path."""
        if state.result is not None:
            raise already_completed(state)
        path = safe_member_name(file_path)
        if path in state.announced:
            return path
        for other in state.announced:
            if other.lower() == path.lower():
                raise clash(path, f"differs from '{other}' only in letter case")
            if other.startswith(path + "/") or path.startswith(other + "/"):
                raise clash(path, f"cannot be both a file and a folder (see '{other}')")
        if len(state.announced) >= max_files:
            raise too_many_files(max_files)
        state.announced.append(path)
        self.save(state)
        return path

    def budget(self, state: StagedState, path: str, limit: int) -> int:
        """How many bytes ``path`` may have, given the other files received and ``limit``."""
        return limit - sum(f.size for p, f in state.files.items() if p != path)

    def incoming(self, key: str) -> Path:
        """A fresh temporary file name for bytes being received."""
        folder = self.folder(key) / "incoming"
        folder.mkdir(exist_ok=True)
        return folder / uuid.uuid4().hex

    def adopt(
        self, state: StagedState, path: str, tmp: Path, received: PackageFile, limit: int
    ) -> None:
        """Move a received file into the package (call under the lock)."""
        if state.result is not None:
            raise already_completed(state)
        if received.size > self.budget(state, path, limit):
            raise too_large(f"All files of one upload together may hold {human_size(limit)}.")
        target = self.folder(state.key) / "pkg" / path
        target.parent.mkdir(parents=True, exist_ok=True)
        os.replace(tmp, target)
        state.files[path] = StagedFile(size=received.size, sha256=received.sha256)
        self.save(state)

    def complete(
        self, state: StagedState, accept: Callable[[Path, list[PackageFile]], dict[str, Any]]
    ) -> StagedState:
        """Hand the received files to ``accept`` (call under the lock). On success only the
        state remains, with the result; on refusal the files stay for a corrected retry."""
        if state.result is not None:
            return state  # asked twice: the same answer
        folder = self.folder(state.key)
        pkg = folder / "pkg"
        for path, rec in list(state.files.items()):
            target = pkg / path
            if not target.is_file() or target.stat().st_size != rec.size:
                del state.files[path]  # lost (e.g. moved by a failed earlier completion)
        self.save(state)
        refuse_incomplete(state)
        files = [PackageFile(path=p, size=f.size, sha256=f.sha256) for p, f in state.files.items()]
        try:
            state.result = accept(folder, files)
        except BaseException:
            for path in list(state.files):
                if not (pkg / path).is_file():
                    del state.files[path]
            self.save(state)
            raise
        self.save(state)
        shutil.rmtree(pkg, ignore_errors=True)
        shutil.rmtree(folder / "incoming", ignore_errors=True)
        return state


def refuse_incomplete(state: StagedState) -> None:
    if state.missing:
        raise UploadRefused(
            "Some announced files never arrived (their PUT failed); upload them again.",
            [
                ErrorDetail(("package", p), "announced with put_file, never received")
                for p in state.missing
            ],
            code="incomplete_upload",
        )
    if not state.files:
        raise UploadRefused(
            "Nothing was uploaded: announce each file with put_file and PUT its bytes first.",
            code="no_package",
            status_code=400,
        )


def clash(path: str, problem: str) -> UploadRefused:
    msg = f"The file name '{path}' {problem}."
    return UploadRefused(
        "The package contains a file name that is not allowed.",
        [ErrorDetail(("package", path), msg)],
        code="duplicate_entry",
    )


def already_completed(state: StagedState) -> Conflict:
    rid = (state.result or {}).get("resource_id")
    return Conflict(
        f"The staged upload {state.artifact_id} is complete (it became '{rid}'); "
        "start a new upload to send other files.",
        code="upload_completed",
    )
