"""A job kind for the service tests (nothing runs it: these tests drive the rows directly)."""

from __future__ import annotations

import subprocess
import sys
from typing import Any

import pytest
from sqlalchemy.orm import Session

from modelhub.hub import Hub
from modelhub.jobs.registry import JobKind
from modelhub.wiring import job_kinds

KIND = "unit-noop"


def _prepare(db: Session, payload: dict[str, Any]) -> Any:
    return payload


def _run(task: Any) -> Any:
    return task


def _apply(db: Session, payload: dict[str, Any], result: Any) -> None:
    return None


@pytest.fixture(autouse=True)
def noop_kind(hub: Hub) -> None:
    """The test kind, known to this test's hub."""
    job_kinds(hub).add(JobKind(name=KIND, prepare=_prepare, run=_run, apply=_apply))


def dead_owner() -> str:
    """The owner id a finished process of this machine would have had."""
    code = "from modelhub.jobs.owners import new_owner_id; print(new_owner_id())"
    return subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    ).stdout.strip()
