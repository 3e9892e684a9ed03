"""The check as it runs inside the sandbox: ``python -m modelhub.checks.inside``.

1. import the heavy libraries, say READY on the report pipe, block reading the job pipe
   (a warm sandbox waits here; nothing of the package has run yet);
2. lower our own rlimits (CPU time, file size, core dumps, and memory/processes where no
   cgroup bounds them): the package's code runs after this and inherits them;
3. test every weight format with bioimageio.core's ``test_description``, one at a time;
4. write one JSON report (`InsideReport`) on the report pipe, never on stdout: stdout is the
   package's, and goes to the log.

Only our own failures exit non-zero before the report; what the package does is reported.
"""

from __future__ import annotations

import argparse
import contextlib
import ctypes
import gc
import importlib.metadata
import importlib.util
import json
import math
import os
import platform
import resource
import signal
import sys
import time
from pathlib import Path
from typing import Any

from modelhub.checks.sandbox_protocol import (
    DESCRIPTION_FILES,
    EXIT_BAD_JOB,
    EXIT_NO_LIBRARIES,
    MAX_JOB_BYTES,
    MAX_REPORT_BYTES,
    READY,
    FormatReport,
    InsideReport,
    Job,
)

_PR_SET_CHILD_SUBREAPER = 36
_LIBRARIES = ("bioimageio.spec", "bioimageio.core", "torch", "onnxruntime", "numpy")
# weight format -> modules of which one must be importable to run it
_RUNTIMES: dict[str, tuple[str, ...]] = {
    "pytorch_state_dict": ("torch",),
    "torchscript": ("torch",),
    "onnx": ("onnxruntime",),
    "tensorflow_saved_model_bundle": ("tensorflow",),
    "keras_hdf5": ("keras", "tensorflow"),
    "keras_v3": ("keras",),
    "tensorflow_js": (),  # bioimageio.core has no runtime for it at all
}


def preload() -> None:
    """Import (and warm up) what every check needs, so that a warm sandbox has it ready.

    Beyond the plain imports, two first-use costs of the test itself are paid here: torch's
    ``use_deterministic_algorithms`` imports torch._dynamo/_inductor (seconds), and the first
    xarray-backed tensor imports dask. Then the garbage collector is told to leave all these
    objects alone (`gc.freeze`): bioimageio.core collects after every test, and walking the
    whole of torch each time costs a good part of a second.
    """
    import numpy as np

    with contextlib.suppress(ImportError):
        import torch

        torch.use_deterministic_algorithms(False)  # the default: imports, changes nothing
    with contextlib.suppress(ImportError):
        importlib.import_module("onnxruntime")
    import bioimageio.spec  # noqa: F401
    from bioimageio.core import Tensor

    for backend in ("pytorch_backend", "torchscript_backend", "onnx_backend"):
        with contextlib.suppress(ImportError):
            importlib.import_module(f"bioimageio.core.backends.{backend}")
    Tensor.from_numpy(np.zeros((1, 1, 2, 2), dtype="float32"), dims=("b", "c", "y", "x"))
    gc.collect()
    gc.freeze()


def runtime_missing(weight_format: str) -> str | None:
    """Why ``weight_format`` cannot run here, or None when it can."""
    modules = _RUNTIMES.get(weight_format)
    if modules is None:
        return f"no runtime is known for weight format {weight_format!r}"
    if not modules:
        return f"bioimageio.core cannot run {weight_format} weights"
    if any(importlib.util.find_spec(m) is not None for m in modules):
        return None
    if len(modules) == 1:
        return f"{modules[0]} is not installed"
    return f"neither {' nor '.join(modules)} is installed"


def _lower(limit: int, value: int, hard: int | None = None) -> None:
    _, current_hard = resource.getrlimit(limit)
    hard = value if hard is None else hard
    if current_hard != resource.RLIM_INFINITY:
        hard = min(hard, current_hard)
    resource.setrlimit(limit, (min(value, hard), hard))


def apply_limits(job: Job) -> None:
    """Lower our rlimits before the package's code runs (it cannot raise them again)."""
    _lower(resource.RLIMIT_CORE, 0)
    _lower(resource.RLIMIT_FSIZE, job.max_file_bytes)
    usage = resource.getrusage(resource.RUSAGE_SELF)
    # the imports already spent CPU time: the budget is for the test
    cpu = math.ceil(usage.ru_utime + usage.ru_stime) + job.cpu_seconds
    _lower(resource.RLIMIT_CPU, cpu, cpu + 5)  # SIGXCPU first, SIGKILL 5 s later
    if job.memory_bytes is not None:
        mapped = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024
        with contextlib.suppress(OSError, ValueError, IndexError):
            status = Path("/proc/self/status").read_text()
            mapped = int(status.split("VmSize:")[1].split()[0]) * 1024
        # an address-space limit counts mappings, not memory used: allow what is mapped
        # already (libraries, thread stacks) plus the limit
        _lower(resource.RLIMIT_AS, mapped + job.memory_bytes)
    if job.max_processes is not None:
        _lower(resource.RLIMIT_NPROC, job.max_processes)


def _relative(value: Any, job: Job) -> Any:
    """Replace the sandbox's absolute paths in a summary with package-relative ones."""
    if isinstance(value, str):
        return (
            value.replace(job.package_dir + "/", "")
            .replace(job.package_dir, ".")
            .replace(job.work_dir, "<work>")
        )
    if isinstance(value, list):
        return [_relative(v, job) for v in value]
    if isinstance(value, dict):
        return {k: _relative(v, job) for k, v in value.items()}
    return value


def _dump(summary: Any, job: Job) -> dict[str, Any]:
    # saved_conda_list / saved_conda_compare would run `conda` while serialising
    exclude: Any = {"saved_conda_list": True, "details": {"__all__": {"saved_conda_compare"}}}
    dumped: dict[str, Any] = summary.model_dump(mode="json", exclude=exclude)
    return dict(_relative(dumped, job))


def _test_format(source: Path, weight_format: Any, job: Job) -> FormatReport:
    from bioimageio.core import test_description

    start = time.monotonic()
    missing = runtime_missing(weight_format) if weight_format in _RUNTIMES else None
    if missing is not None:
        reason = f"not run: runtime not available ({missing})"
        return FormatReport(status="not-run", reason=reason, duration_s=0.0)
    try:
        summary = test_description(source, weight_format=weight_format)
    except BaseException as exc:  # the package's code may raise SystemExit too
        reason = f"the test stopped with {type(exc).__name__}: {exc}"[:2000]
        return FormatReport(status="failed", reason=reason, duration_s=time.monotonic() - start)
    # bioimageio.core reports a failed reproduction as "valid-format": only "passed" passes
    status = "passed" if summary.status == "passed" else "failed"
    return FormatReport(
        status=status, duration_s=time.monotonic() - start, summary=_dump(summary, job)
    )


def _weight_formats(source: Path) -> list[str] | None:
    """The weight formats a model description names (None: not a model, or unreadable).

    Read from the YAML itself: an invalid description has no parsed weights to ask.
    """
    import yaml

    try:
        raw = yaml.safe_load(source.read_text(encoding="utf-8"))
    except (OSError, UnicodeError, yaml.YAMLError):
        return None
    weights = raw.get("weights") if isinstance(raw, dict) and raw.get("type") == "model" else None
    if not isinstance(weights, dict):
        return None
    return [str(name) for name, entry in weights.items() if entry]


def _descendants() -> dict[int, str]:
    """Our living descendants (we are their subreaper, so daemons are among them)."""
    with contextlib.suppress(ChildProcessError):
        while os.waitpid(-1, os.WNOHANG)[0] > 0:  # reap finished ones first
            pass
    found: dict[int, str] = {}
    todo = [os.getpid()]
    while todo:
        pid = todo.pop()
        with contextlib.suppress(OSError):
            for task in Path(f"/proc/{pid}/task").iterdir():
                for child in (task / "children").read_text().split():
                    cmd = Path(f"/proc/{child}/cmdline").read_bytes().replace(b"\0", b" ")
                    found[int(child)] = cmd.decode(errors="replace").strip()[:300]
                    todo.append(int(child))
    return found


def library_versions() -> dict[str, str]:
    """Versions of Python and of the libraries that judge, as installed here."""
    versions = {"python": platform.python_version()}
    for name in _LIBRARIES:
        with contextlib.suppress(importlib.metadata.PackageNotFoundError):
            versions[name] = importlib.metadata.version(name)
    return versions


def _say(message: str) -> None:
    print(f"modelhub check: {message}", file=sys.stderr, flush=True)


def run_job(job: Job) -> InsideReport:
    """Test every weight format of the package at ``job.package_dir``, each on its own with
    ``bioimageio.core.test_description`` (so each summary is the library's own)."""
    package = Path(job.package_dir)
    source = next((package / n for n in DESCRIPTION_FILES if (package / n).is_file()), None)
    if source is None:
        reason = f"the package has no {' or '.join(DESCRIPTION_FILES)}"
        report = FormatReport(status="failed", reason=reason, duration_s=0.0)
        return InsideReport(formats={"resource": report})
    formats = _weight_formats(source)
    results: dict[str, FormatReport] = {}
    candidates: list[str | None] = [*formats] if formats else [None]
    for weight_format in candidates:
        result = _test_format(source, weight_format, job)
        results[weight_format or "resource"] = result
        _say(f"{weight_format or 'resource'}: {result.status} in {result.duration_s:.1f} s")
    return InsideReport(formats=results)


def _write_report(fd: int, report: InsideReport) -> None:
    data = report.model_dump_json().encode()
    if len(data) > MAX_REPORT_BYTES:  # keep the verdicts, drop the (huge) summaries
        formats = {k: v.model_copy(update={"summary": None}) for k, v in report.formats.items()}
        data = report.model_copy(update={"formats": formats}).model_dump_json().encode()
    while data:
        data = data[os.write(fd, data) :]
    os.close(fd)


def _read_job(fd: int) -> bytes:
    chunks: list[bytes] = []
    size = 0
    while chunk := os.read(fd, 65536):
        chunks.append(chunk)
        size += len(chunk)
        if size > MAX_JOB_BYTES:
            break
    os.close(fd)
    return b"".join(chunks)


def main(argv: list[str] | None = None) -> int:
    """Entry point; the fds are the ends of the hub's pipes that this process inherited."""
    parser = argparse.ArgumentParser(prog="modelhub.checks.inside")
    parser.add_argument("--job-fd", type=int, required=True)
    parser.add_argument("--report-fd", type=int, required=True)
    args = parser.parse_args(argv)
    # orphans (double-forked daemons) become our children, so we can find them afterwards
    with contextlib.suppress(OSError, AttributeError):
        ctypes.CDLL(None, use_errno=True).prctl(_PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0)
    try:
        preload()
    except ImportError as exc:
        print(f"modelhub: cannot import the test libraries: {exc}", file=sys.stderr)
        return EXIT_NO_LIBRARIES
    os.write(args.report_fd, READY + json.dumps(library_versions()).encode() + b"\n")
    raw = _read_job(args.job_fd)
    if not raw:
        return 0  # the hub went away (or closed the runner) before handing over a job
    try:
        job = Job.model_validate_json(raw)
    except ValueError as exc:
        print(f"modelhub: invalid job: {exc}", file=sys.stderr)
        return EXIT_BAD_JOB
    apply_limits(job)
    try:
        report = run_job(job)
    except Exception as exc:  # reported: the hub tells ours from the package's
        report = InsideReport(formats={}, internal_error=repr(exc)[:4000])
    # whatever the package started and left running (daemons too: we are their subreaper)
    strays = _descendants()
    for pid in strays:
        with contextlib.suppress(OSError):
            os.kill(pid, signal.SIGKILL)
    report = report.model_copy(update={"stray_processes": list(strays.values())[:1000]})
    _write_report(args.report_fd, report)
    sys.stdout.flush()
    sys.stderr.flush()
    # the report is out: skip the interpreter's teardown (torch's takes a while) and any
    # exit handler the package may have registered
    os._exit(0)


if __name__ == "__main__":
    sys.exit(main())
