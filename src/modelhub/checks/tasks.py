"""The ``check`` job: the hub prepares the input (file list, storage location, limits), a Dask
worker materialises the package from storage and runs it in the sandbox, the hub writes the
result. Workers never see the database."""

from __future__ import annotations

import atexit
import shutil
import tempfile
import uuid
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from sqlalchemy.orm import Session

from modelhub.catalog.models import ResourceVersion
from modelhub.checks.cleanup import owned_prefix
from modelhub.checks.limits import SandboxLimits
from modelhub.checks.models import CheckRun, CheckStatus
from modelhub.checks.outcome import CheckReport
from modelhub.checks.results import record_failure, record_outcome
from modelhub.checks.runner import CheckRunner
from modelhub.checks.sandbox import SandboxUnavailable
from modelhub.db import utcnow
from modelhub.jobs.registry import JobKind, SkipJob
from modelhub.owned import make_owned_dir
from modelhub.private import private_dir
from modelhub.storage.factory import StorageDescription, storage_from

PACKAGE_PREFIX = "pkg-"


@dataclass(frozen=True)
class CheckTask:
    """Everything a worker needs: picklable, no database, no secrets."""

    check_run_id: int
    storage: StorageDescription
    files: list[tuple[str, str]]  # (path in the package, blob sha256)
    limits: SandboxLimits
    scratch_root: str
    hidden_paths: list[str] = field(default_factory=list)
    allow_unsandboxed: bool = False
    warm_sandboxes: int = 2


@dataclass(frozen=True)
class CheckSettings:
    """What the hub binds into the check kind (``make_kind``)."""

    storage: StorageDescription
    limits: SandboxLimits
    scratch_root: Path
    hidden_paths: tuple[Path, ...]
    allow_unsandboxed: bool
    warm_sandboxes: int = 2


_RUNNERS: dict[tuple[Any, ...], CheckRunner] = {}


def worker_runner(task: CheckTask) -> CheckRunner:
    """One runner per worker process and configuration: it keeps a warm sandbox between checks."""
    key = (
        task.limits,
        task.scratch_root,
        tuple(task.hidden_paths),
        task.allow_unsandboxed,
        task.warm_sandboxes,
    )
    if key not in _RUNNERS:
        if not _RUNNERS:  # a worker that exits normally takes its warm sandboxes with it
            atexit.register(close_runners)
        _RUNNERS[key] = CheckRunner(
            limits=task.limits,
            scratch_root=Path(task.scratch_root),
            allow_unsandboxed=task.allow_unsandboxed,
            hidden_paths=[Path(p) for p in task.hidden_paths],
            warm_sandboxes=task.warm_sandboxes,
        )
    return _RUNNERS[key]


def close_runners() -> None:
    """Stop this process's runners and their waiting sandboxes."""
    while _RUNNERS:
        _, runner = _RUNNERS.popitem()
        runner.close()


def run_check(task: CheckTask) -> CheckReport:
    """Worker side: copy the package's files out of storage and test them in the sandbox."""
    storage = storage_from(task.storage)
    root = Path(task.scratch_root)
    private_dir(root, existing_too=False)  # the held folder below is private (mkdtemp)
    held = make_owned_dir(root, prefix=f"{owned_prefix('pkg')}{task.check_run_id}-")
    staging = held.path / "package"  # the package alone, without the owner marker
    try:
        staging.mkdir()
        for path, sha in task.files:
            target = staging / path
            target.parent.mkdir(parents=True, exist_ok=True)
            with storage.open(sha) as src, target.open("wb") as out:
                shutil.copyfileobj(src, out, 1024 * 1024)
        outcome = worker_runner(task).run(staging)
    except SandboxUnavailable as exc:
        # never a pass or a failure of the package: the hub could not test it safely
        return CheckReport.not_run(
            f"Package code was not run: the sandbox is not available on this worker ({exc}). "
            "Install bubblewrap there, or (unsafe) set MODELHUB_ALLOW_UNSANDBOXED_CHECKS=true.",
            "sandbox_unavailable",
        )
    finally:
        held.release()
    return CheckReport.of(outcome)


def task_template(settings: CheckSettings) -> CheckTask:
    """A task without files: what a worker needs to build (and warm) its runner."""
    return CheckTask(
        check_run_id=0,
        storage=settings.storage,
        files=[],
        limits=settings.limits,
        scratch_root=str(settings.scratch_root),
        hidden_paths=[str(p) for p in settings.hidden_paths],
        allow_unsandboxed=settings.allow_unsandboxed,
        warm_sandboxes=settings.warm_sandboxes,
    )


def prewarm(task: CheckTask) -> str:
    """Worker side, at start: build the runner, which starts its first sandbox in the
    background, so that even the first check starts warm."""
    private_dir(Path(task.scratch_root), existing_too=False)
    worker_runner(task)
    return "warming"


def make_kind(settings: CheckSettings) -> JobKind:
    """The ``check`` job kind bound to this hub's storage and sandbox settings."""

    def prepare(db: Session, payload: dict[str, Any]) -> CheckTask:
        run = db.get(CheckRun, payload["check_run_id"])
        if run is None or run.status.finished:
            raise SkipJob("the check already has its result")
        version = db.get(ResourceVersion, run.version_id)
        if version is None:
            raise SkipJob("the version no longer exists")
        run.status = CheckStatus.running
        run.started_at = run.started_at or utcnow()
        return replace(
            task_template(settings),
            check_run_id=run.id,
            files=[(f.path, f.blob_sha256) for f in version.files],
        )

    def apply(db: Session, payload: dict[str, Any], result: CheckReport) -> None:
        record_outcome(db, check_run_id=payload["check_run_id"], outcome=result)

    def fail(db: Session, payload: dict[str, Any], error: str) -> None:
        record_failure(db, check_run_id=payload["check_run_id"], error=error)

    return JobKind(name="check", prepare=prepare, run=run_check, apply=apply, fail=fail)


def default_scratch_root() -> Path:
    return Path(tempfile.gettempdir()) / f"modelhub-checks-{uuid.getnode():x}"
