"""The sandbox's parts on their own: command line, environment, cgroups, bounded output,
the plain-words explanations (no model is run here)."""

from __future__ import annotations

import itertools
import os
import subprocess
import uuid
from importlib.util import find_spec
from pathlib import Path

import pytest

from modelhub.checks.inside import run_job
from modelhub.checks.limits import GIB, SandboxLimits, format_bytes
from modelhub.checks.runtimes import runtime_missing
from modelhub.checks.sandbox import (
    WORK_DIR,
    bwrap_argv,
    default_hidden_paths,
    inside_command,
    sandbox_env,
    sandbox_status,
)
from modelhub.checks.sandbox_cgroups import create_cgroup
from modelhub.checks.sandbox_io import BoundedLog
from modelhub.checks.sandbox_mounts import python_paths
from modelhub.checks.sandbox_protocol import Job
from modelhub.checks.sandbox_reasons import ending_reason, explain_summary


def test_sandbox_status_says_bwrap_works() -> None:
    usable, reason = sandbox_status()
    assert usable, reason
    assert reason.startswith("bubblewrap")


def test_command_line_binds_only_what_a_check_needs(tmp_path: Path) -> None:
    data = Path("/var/lib") / f"modelhub-{uuid.uuid4().hex}"  # need not exist: skipped then
    inner = python_paths()[0] / "data"  # a hidden folder inside a bound one is masked
    argv = bwrap_argv(
        bwrap="bwrap",
        host_package_dir=tmp_path,
        host_etc_dir=tmp_path,
        hidden=[Path.home(), Path("/run"), data, inner],
        work_bytes=GIB,
        mode="userns",
        setpriv=None,
        seccomp_fd=7,
        env={"HOME": f"{WORK_DIR}/home"},
        command=["python"],
    )
    for flag in ("--unshare-net", "--unshare-pid", "--unshare-ipc", "--die-with-parent"):
        assert flag in argv
    assert argv[argv.index("--cap-drop") + 1] == "ALL" and "--clearenv" in argv
    assert argv[argv.index("--uid") + 1] == "65534" and "--unshare-user" in argv
    assert argv[argv.index("--seccomp") + 1] == "7"
    pairs = list(itertools.pairwise(argv))
    # the host's root is not bound; what is, is bound read-only
    assert ("--ro-bind", "/") not in pairs and ("--bind", "/") not in pairs
    assert not any(a == "--bind" for a in argv)
    bound = {argv[i + 2] for i, a in enumerate(argv) if a == "--ro-bind"}
    assert str(Path.home()) not in bound and "/run" not in bound and str(data) not in argv
    assert all(str(p) in bound for p in python_paths() if not p.is_relative_to("/usr"))
    if os.path.lexists(inner):
        assert ("--tmpfs", str(inner)) in pairs
    # every writable place is a tmpfs with a size; the root and /dev are read-only
    tmpfs = [i for i, arg in enumerate(argv) if arg == "--tmpfs"]
    assert tmpfs and all("--size" in argv[i - 4 : i] for i in tmpfs)
    assert ("--remount-ro", "/") in pairs and ("--remount-ro", "/dev") in pairs
    assert argv[-2:] == ["--", "python"]


def test_root_hub_drops_to_nobody_on_the_host() -> None:
    argv = bwrap_argv(
        bwrap="bwrap",
        host_package_dir=Path("/nonexistent"),
        host_etc_dir=Path("/nonexistent"),
        hidden=[],
        work_bytes=GIB,
        mode="drop",
        setpriv="/usr/bin/setpriv",
        seccomp_fd=None,
        env={},
        command=["python"],
    )
    assert "--unshare-user" not in argv
    caps = [argv[i + 1] for i, a in enumerate(argv) if a == "--cap-add"]
    assert caps == ["CAP_SETUID", "CAP_SETGID"]
    tail = argv[argv.index("/usr/bin/setpriv") :]
    assert tail == [
        "/usr/bin/setpriv",
        "--reuid",
        "65534",
        "--regid",
        "65534",
        "--clear-groups",
        "--no-new-privs",
        "--",
        "python",
    ]


def test_environment_is_minimal(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("MODELHUB_SECRET_TOKEN", "never-inside")
    env = sandbox_env(work_dir=WORK_DIR, threads=2)
    assert not [k for k in env if k.startswith("MODELHUB_") or "TOKEN" in k]
    assert env["HOME"].startswith(WORK_DIR) and env["BIOIMAGEIO_CACHE_PATH"].startswith(WORK_DIR)
    assert env["OMP_NUM_THREADS"] == "2"


def test_hub_settings_are_hidden_by_default(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv("MODELHUB_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setenv("MODELHUB_STORAGE_DIR", str(tmp_path / "blobs"))
    hidden = default_hidden_paths()
    for path in (tmp_path / "data", tmp_path / "blobs", Path.home(), Path("/run")):
        assert path in hidden


def test_cgroup_bounds_a_process_and_is_removed() -> None:
    cgroup = create_cgroup(
        f"modelhub-check-test-{uuid.uuid4().hex[:8]}", memory_bytes=GIB, max_tasks=8
    )
    if cgroup is None:
        pytest.skip("no cgroup can be made on this host (the rlimit fallback is tested)")
    procs = " ".join(f'echo $$ > "{p}";' for p in cgroup.procs_files)
    child = subprocess.Popen(["sh", "-c", f"{procs} exec sleep 60"])
    try:
        for _ in range(100):
            if cgroup.pids():
                break
            subprocess.run(["sleep", "0.02"], check=True)
        assert cgroup.pids() == {child.pid}
        assert not cgroup.oom_killed() and not cgroup.hit_task_limit()
        cgroup.kill()
        assert child.wait(5) == -9
        assert cgroup.pids() == set()
    finally:
        child.kill()
        child.wait()
        cgroup.remove()
    assert not any(d.exists() for d in cgroup.dirs.values())


def test_bounded_log_keeps_head_and_tail() -> None:
    log = BoundedLog(1024)
    log.feed(b"HEAD" + b"x" * 5000)
    log.feed(b"y" * 5000 + b"TAIL")
    text = log.text()
    assert text.startswith("HEAD") and text.endswith("TAIL")
    assert "bytes of output left out" in text and len(text.encode()) <= 1024


def test_limits_read_in_plain_words() -> None:
    assert format_bytes(8 * GIB) == "8 GB" and format_bytes(int(1.5 * GIB)) == "1.5 GB"
    with pytest.raises(ValueError, match="timeout_s"):
        SandboxLimits(timeout_s=0)
    assert SandboxLimits().max_tasks > SandboxLimits().max_processes


def test_crashes_read_in_plain_words() -> None:
    limits = SandboxLimits()
    assert ending_reason(134, sandboxed=True, limits=limits) == (
        "The test process crashed (signal SIGABRT)."
    )
    assert ending_reason(-11, sandboxed=False, limits=limits) == (
        "The test process crashed (signal SIGSEGV)."
    )
    assert "CPU time" in ending_reason(128 + 24, sandboxed=True, limits=limits)
    assert "exit code 3" in ending_reason(3, sandboxed=True, limits=limits)


def test_failed_reproduction_reads_in_plain_words() -> None:
    msg = (
        "Output 'probability': 4096 of 4096 elements disagree with expected values (100.0%). "
        "\nMax relative difference not accounted for by absolute tolerance (1.00e-04):"
        "\n3.10e-01 (= |...|) at {} \nMax absolute difference not accounted for by relative"
        " tolerance (1.00e-03):\n3.10e-01 (= |...|) at {}"
    )
    detail = {
        "name": "Reproduce test outputs from test inputs (onnx)",
        "status": "failed",
        "errors": [{"loc": ["weights", "onnx"], "msg": msg, "type": "bioimageio.core"}],
    }
    assert explain_summary({"status": "failed", "details": [detail]}) == (
        "output differs from the test output: 4096 of 4096 values of 'probability' differ"
        " (100.0%), max abs difference 0.31 > 0.0001 (+ 0.001 × |expected|)"
    )


def test_missing_runtimes_are_named() -> None:
    assert runtime_missing("torchscript") is None and runtime_missing("onnx") is None
    assert runtime_missing("tensorflow_js") == "bioimageio.core cannot run tensorflow_js weights"
    if find_spec("tensorflow") is None:
        assert runtime_missing("tensorflow_saved_model_bundle") == "tensorflow is not installed"


def test_package_without_description_fails(tmp_path: Path) -> None:
    job = Job(package_dir=str(tmp_path), work_dir=str(tmp_path), cpu_seconds=1, max_file_bytes=1)
    summary, tensors = run_job(job)  # our code only: nothing of a package runs without rdf.yaml
    assert summary["status"] == "failed" and tensors == {}
    assert (
        explain_summary(summary)
        == "the test failed: the package has no rdf.yaml or bioimageio.yaml"
    )


def test_inside_starts_from_the_hubs_own_code() -> None:
    # the sandbox starts it with -I (no cwd, no PYTHONPATH): it imports the hub's code from
    # where this process did, and has no report channel, only its job and output pipes
    command = inside_command(job_fd=3, out_fd=4)
    assert command[-4:] == ["--job-fd", "3", "--out-fd", "4"]
    done = subprocess.run(
        [*command[:-4], "--help"],
        capture_output=True,
        text=True,
        check=False,
        cwd="/",
        env={"PATH": os.defpath},
    )
    assert done.returncode == 0 and "--out-fd" in done.stdout and "report" not in done.stdout
