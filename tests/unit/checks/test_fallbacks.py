"""Where no cgroup can be made, rlimits and a process count bound a check instead."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from modelhub.checks.runner import CheckOutcome, CheckRunner
from tests.unit.checks.conftest import (
    FORK_BOMB,
    TEST_LIMITS,
    make_hostile,
    processes_mentioning,
)

pytestmark = pytest.mark.slow


MARKER = f"bomb-{uuid.uuid4().hex}"


@pytest.fixture(scope="module")
def checked(
    built: dict[str, Path], tmp_path_factory: pytest.TempPathFactory
) -> Iterator[dict[str, CheckOutcome]]:
    """Both packages checked at once, by a runner told not to use cgroups."""
    root = tmp_path_factory.mktemp("fallback")
    base = built["model-0.5-state-dict"]
    packages = {
        "memory hog": make_hostile(
            base, root / "hog", "hog = []\nwhile True:\n    hog.append(b'x' * (64 << 20))"
        ),
        "fork bomb": make_hostile(base, root / "bomb", FORK_BOMB.format(MARKER)),
    }
    checks = CheckRunner(
        limits=TEST_LIMITS, scratch_root=root / "scratch", use_cgroups=False, warm=False
    )
    try:
        with ThreadPoolExecutor(len(packages)) as pool:
            futures = {k: pool.submit(checks.run, p) for k, p in packages.items()}
            yield {k: f.result() for k, f in futures.items()}
    finally:
        checks.close()


def test_memory_hog_is_refused_memory(checked: dict[str, CheckOutcome]) -> None:
    outcome = checked["memory hog"]
    assert outcome.status == "failed"
    assert outcome.reason == (
        "Weight format 'pytorch_state_dict' failed: the model used more memory than the limit"
        " of 1.5 GB."
    )


def test_fork_bomb_is_stopped(checked: dict[str, CheckOutcome]) -> None:
    outcome = checked["fork bomb"]
    assert outcome.status == "failed" and outcome.reason is not None
    assert outcome.reason.startswith(
        "Weight format 'pytorch_state_dict' failed: the model tried to run more than 64"
        " processes at once"
    )
    assert processes_mentioning(MARKER) == []
