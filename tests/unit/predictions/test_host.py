"""Warm model hosts in the real sandbox: reused while alive, replaced when dead, evicted under
the memory budget, closed when idle; nothing of a closed host is left."""

from __future__ import annotations

import os
import shutil
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import numpy as np
import pytest

from modelhub.checks.limits import GIB, SandboxLimits
from modelhub.checks.sandbox import sandbox_status
from modelhub.checks.sandbox_io import BoundedLog
from modelhub.demo.builder import build_package
from modelhub.predictions.host import ModelHost
from modelhub.predictions.hosts import HostPool
from tests.waiting import eventually

LIMITS = SandboxLimits(timeout_s=60, memory_bytes=int(1.5 * GIB), max_processes=64)
FORMAT = "pytorch_state_dict"


@pytest.fixture(scope="module")
def package(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return build_package("model-0.5-state-dict", tmp_path_factory.mktemp("pkg") / "p").root


@pytest.fixture(scope="module")
def pool(tmp_path_factory: pytest.TempPathFactory) -> Iterator[HostPool]:
    usable, reason = sandbox_status()
    if not usable:
        pytest.fail(f"the sandbox does not work here: {reason}")
    hosts = HostPool(
        limits=LIMITS,
        scratch_root=tmp_path_factory.mktemp("scratch"),
        memory_budget=4 * GIB,
        idle_s=600,
        spare=True,  # the next host's libraries are imported while a test runs
    )
    yield hosts
    hosts.close()
    assert not list(Path(hosts._launcher.config.scratch_root).iterdir())


def filler(package: Path) -> Callable[[Path], None]:
    def fill(target: Path) -> None:
        for path in package.iterdir():
            shutil.copyfile(path, target / path.name)
            (target / path.name).chmod(0o644)

    return fill


def run(pool: HostPool, package: Path, key: str) -> tuple[ModelHost, bool, float, np.ndarray]:
    """Take the host for ``key``, predict the package's test input; the host, whether it was
    warm, the seconds it all took and the output."""
    image = np.load(package / "test_input.npy")
    start = time.monotonic()
    with pool.host(key, weight_format=FORMAT, fill=filler(package), load_timeout_s=60) as (
        host,
        warm,
    ):
        outputs = host.predict({"raw": image}, [], timeout_s=30, max_output_bytes=1 << 24)
    return host, warm, time.monotonic() - start, outputs["probability"]


def alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    return Path(f"/proc/{pid}").exists() and "zombie" not in Path(f"/proc/{pid}/status").read_text()


def test_a_warm_host_is_reused_and_a_dead_one_replaced(pool: HostPool, package: Path) -> None:
    first, warm_first, cold_s, output = run(pool, package, "demo/1/a")
    second, warm_second, warm_s, again = run(pool, package, "demo/1/a")
    assert (warm_first, warm_second) == (False, True)
    assert second is first and second.process.popen.pid == first.process.popen.pid
    assert warm_s < cold_s
    assert first.device == "cpu"
    np.testing.assert_allclose(output, np.load(package / "test_output.npy"), atol=1e-5)
    np.testing.assert_array_equal(output, again)
    assert first.memory_used() > 0

    first.process.kill()  # dies under its pool's feet
    third, warm_third, _, replaced = run(pool, package, "demo/1/a")
    assert third is not first and not warm_third and first.closed
    assert not first.package_dir.exists()
    np.testing.assert_array_equal(replaced, output)


def test_hosts_beyond_the_memory_budget_are_evicted_then_idle_ones_closed(
    pool: HostPool, package: Path
) -> None:
    before, _, _, _ = run(pool, package, "demo/1/a")
    pid = before.process.popen.pid
    pool.memory_budget = 1  # any second host is one too many
    other, warm, _, _ = run(pool, package, "demo/1/b")
    assert not warm
    assert set(pool.hosts()) == {"demo/1/b"}
    assert before.closed and not alive(pid)

    pool.idle_s = 0.2
    eventually(lambda: not pool.hosts() and other.closed, timeout=10, what="idle host closed")
    assert not other.package_dir.exists()
    pool.memory_budget, pool.idle_s = 4 * GIB, 600


def test_a_warm_host_s_log_is_told_per_request() -> None:
    log = BoundedLog(1024)
    log.feed(b"first person's lines\n")
    mark = log.fed
    log.feed(b"second person's lines\n")
    assert log.since(mark) == "second person's lines\n"
    log.feed(b"x" * 2000)  # beyond the limit: what was left out is said
    told = log.since(mark)
    assert told.startswith("second person's lines\nxxx") and "bytes of output left out" in told
    assert log.since(log.fed) == ""
