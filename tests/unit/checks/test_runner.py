"""Normal packages through the real sandbox: what passes, what fails and why, what cannot run.

The packages are checked at once (in threads, a sandbox each: their imports share the CPUs);
each test looks at one outcome.
"""

from __future__ import annotations

import hashlib
import shutil
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from importlib.util import find_spec
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from modelhub.checks import sandbox
from modelhub.checks.limits import GIB, SandboxLimits
from modelhub.checks.runner import CheckOutcome, CheckRunner
from modelhub.checks.sandbox import SandboxUnavailable, sandbox_status
from modelhub.checks.sandbox_cgroups import create_cgroup
from tests.unit.checks.conftest import TEST_LIMITS, edit_rdf, leftovers, sha256

LIBRARIES = {"bioimageio.spec", "bioimageio.core", "torch", "onnxruntime", "numpy", "python"}


def tree_digest(root: Path) -> dict[str, str]:
    return {
        p.relative_to(root).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(root.rglob("*"))
        if p.is_file()
    }


def altered_output(pkg: Path) -> Path:
    output = pkg / "test_output.npy"
    np.save(output, np.load(output) + np.float32(0.31))

    def change(rdf: dict[str, Any]) -> None:
        rdf["outputs"][0]["test_tensor"]["sha256"] = sha256(output)

    edit_rdf(pkg, change)
    return pkg


def extra_keras_weights(pkg: Path) -> Path:
    (pkg / "weights.h5").write_bytes(b"not really HDF5: never opened, the runtime is missing")

    def change(rdf: dict[str, Any]) -> None:
        rdf["weights"]["keras_hdf5"] = {
            "source": "weights.h5",
            "sha256": sha256(pkg / "weights.h5"),
            "parent": "torchscript",
            "tensorflow_version": "2.15.0",
        }

    edit_rdf(pkg, change)
    return pkg


def tampered_weights(pkg: Path) -> Path:
    (pkg / "weights.torchscript.pt").write_bytes(b"tampered")
    return pkg


def as_built(pkg: Path) -> Path:
    return pkg


CASES: dict[str, tuple[str, Callable[[Path], Path]]] = {
    "0.5": ("model-0.5-state-dict", as_built),
    "0.4": ("model-0.4", as_built),
    "altered output": ("model-0.5-torchscript", altered_output),
    "keras": ("model-0.5-torchscript", extra_keras_weights),
    "tampered": ("model-0.5-torchscript", tampered_weights),
}


Checked = dict[str, tuple[CheckOutcome, dict[str, str], dict[str, str]]]


@pytest.fixture(scope="module")
def checked(
    runner: CheckRunner,
    built: dict[str, Path],
    shared_model_dir: Path,
    tmp_path_factory: pytest.TempPathFactory,
) -> Checked:
    """case -> (outcome, package digest before, package digest after)."""
    root = tmp_path_factory.mktemp("normal")
    packages = {"unet": shutil.copytree(shared_model_dir, root / "unet")}
    packages |= {
        case: make(shutil.copytree(built[kind], root / case.replace(" ", "-")))
        for case, (kind, make) in CASES.items()
    }
    before = {case: tree_digest(p) for case, p in packages.items()}
    with ThreadPoolExecutor(len(packages)) as pool:
        futures = {case: pool.submit(runner.run, p) for case, p in packages.items()}
        outcomes = {case: f.result() for case, f in futures.items()}
    return {c: (outcomes[c], before[c], tree_digest(packages[c])) for c in packages}


def test_format_0_5_package_passes_every_weight_format(
    checked: Checked, runner: CheckRunner
) -> None:
    outcome, before, after = checked["0.5"]
    assert outcome.status == "passed", outcome.log[-3000:]
    assert outcome.reason is None
    assert set(outcome.formats) == {"pytorch_state_dict", "torchscript", "onnx"}
    for result in outcome.formats.values():
        assert result.status == "passed" and result.reason is None and result.duration_s > 0
        assert result.summary is not None and result.summary["status"] == "passed"
        # the library's own summary, with the sandbox's paths made relative
        assert result.summary["source_name"] == "rdf.yaml"
        assert sandbox.SANDBOX_ROOT not in str(result.summary)
    assert set(outcome.library_versions) == LIBRARIES
    assert after == before  # the package was read, never changed
    assert leftovers(runner) == []


def test_format_0_4_package_passes(checked: Checked) -> None:
    outcome = checked["0.4"][0]
    assert outcome.status == "passed", outcome.log[-3000:]
    assert set(outcome.formats) == {"pytorch_state_dict", "torchscript"}
    summary = outcome.formats["torchscript"].summary
    assert summary is not None and summary["format_version"].startswith("0.4")


def test_altered_test_output_fails_with_the_mismatch_explained(checked: Checked) -> None:
    outcome = checked["altered output"][0]
    assert outcome.status == "failed"
    result = outcome.formats["torchscript"]
    assert result.status == "failed"
    assert result.summary is not None and result.summary["status"] != "passed"
    assert result.reason is not None
    assert result.reason.startswith("output differs from the test output: 4096 of 4096 values")
    assert "max abs difference 0.31 > 0.001" in result.reason
    assert outcome.reason == f"Weight format 'torchscript' failed: {result.reason}."


def test_format_without_runtime_is_not_run(checked: Checked) -> None:
    if find_spec("keras") or find_spec("tensorflow"):
        pytest.skip("keras is installed here: keras_hdf5 weights are tested, not skipped")
    outcome = checked["keras"][0]
    assert outcome.status == "passed", outcome.log[-3000:]
    keras = outcome.formats["keras_hdf5"]
    assert keras.status == "not-run" and keras.summary is None
    assert keras.reason == (
        "not run: runtime not available (neither keras nor tensorflow is installed)"
    )
    assert outcome.formats["torchscript"].status == "passed"


def test_invalid_description_fails_with_the_reason(checked: Checked) -> None:
    outcome = checked["tampered"][0]
    assert outcome.status == "failed"
    reason = outcome.formats["torchscript"].reason
    assert reason is not None and reason.startswith("the description is invalid: weights.")
    assert "SHA256 mismatch" in reason


@pytest.mark.slow
def test_shared_unet_package_passes(checked: Checked) -> None:
    outcome = checked["unet"][0]
    assert outcome.status == "passed", (outcome.reason, outcome.log[-3000:])
    assert set(outcome.formats) == {"onnx", "torchscript"}
    summary = outcome.formats["onnx"].summary
    assert summary is not None and summary["source_name"] == "bioimageio.yaml"


def test_a_dead_warm_sandbox_is_replaced(
    checked: Checked, runner: CheckRunner, built: dict[str, Path]
) -> None:
    assert runner._pool is not None
    waiting = runner._pool.waiting()[0]
    waiting.popen.kill()  # say the OOM killer took it while it waited for a job
    waiting.popen.wait()
    outcome = runner.run(built["model-0.5-torchscript"])
    assert outcome.status == "passed", outcome.log[-3000:]
    assert not waiting.scratch.exists()


def test_memory_limit_too_small_for_the_libraries_is_our_error(
    built: dict[str, Path], tmp_path: Path
) -> None:
    probe = create_cgroup(f"modelhub-check-probe-{tmp_path.name}", memory_bytes=GIB, max_tasks=8)
    if probe is None:
        pytest.skip("no cgroup here: an rlimit bounds memory only once the test starts")
    probe.remove()
    small = SandboxLimits(memory_bytes=200 * 1024**2)
    checks = CheckRunner(limits=small, scratch_root=tmp_path / "scratch", warm=False)
    try:
        outcome = checks.run(built["model-0.5-torchscript"])
    finally:
        checks.close()
    assert outcome.status == "error"
    assert outcome.reason == (
        "The sandbox did not start (the memory limit of 200 MB is too small for the test"
        " libraries)."
    )
    assert list((tmp_path / "scratch").iterdir()) == []


@pytest.fixture
def no_bwrap(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """bubblewrap as if it were not installed (the probe looks it up on PATH)."""
    monkeypatch.setenv("PATH", "/nonexistent")
    sandbox.probe.cache_clear()
    yield
    sandbox.probe.cache_clear()


def test_without_bwrap_checks_are_refused(no_bwrap: None, tmp_path: Path) -> None:
    usable, reason = sandbox_status()
    assert not usable
    assert "bubblewrap (bwrap) is not installed" in reason and "allow_unsandboxed" in reason
    checks = CheckRunner(scratch_root=tmp_path / "scratch")
    with pytest.raises(SandboxUnavailable, match="allow_unsandboxed=True"):
        checks.run(tmp_path)
    checks.close()


def test_unsandboxed_opt_out_runs_the_same_check(
    no_bwrap: None, built: dict[str, Path], tmp_path: Path
) -> None:
    checks = CheckRunner(
        limits=TEST_LIMITS, scratch_root=tmp_path / "scratch", allow_unsandboxed=True, warm=False
    )
    try:
        outcome = checks.run(built["model-0.5-torchscript"])
    finally:
        checks.close()
    assert outcome.status == "passed", outcome.log[-3000:]
    assert set(outcome.library_versions) == LIBRARIES
    assert list((tmp_path / "scratch").iterdir()) == []
