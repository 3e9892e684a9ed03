"""One weight format's test as it runs inside the sandbox: ``python -m modelhub.checks.inside``.

1. import the heavy libraries, say READY on the output pipe, block reading the job pipe
   (a warm sandbox waits here; nothing of the package has run yet);
2. lower our own rlimits (CPU time, file size, core dumps, and memory/processes where no
   cgroup bounds them): the package's code runs after this and inherits them;
3. run bioimageio.core's ``test_description`` for the job's one weight format, telling it to
   save the outputs it computed;
4. hand back, as frames on the output pipe (`sandbox_protocol`), those output tensors, the
   library's summary and the processes left running. Never a verdict: the hub's judge decides
   from the tensors, outside, in a process that never runs the package's code.

Only our own failures exit non-zero before the frames; what the package does is reported.
"""

from __future__ import annotations

import argparse
import contextlib
import ctypes
import gc
import importlib
import json
import math
import os
import resource
import signal
import sys
import time
from pathlib import Path
from typing import Any, cast

from modelhub.checks.runtimes import RUNTIMES, runtime_missing
from modelhub.checks.sandbox_protocol import (
    DESCRIPTION_FILES,
    EXIT_BAD_JOB,
    EXIT_NO_LIBRARIES,
    MAX_JOB_BYTES,
    MAX_SUMMARY_BYTES,
    READY,
    Job,
    frame,
)

_PR_SET_CHILD_SUBREAPER = 36
OUTPUT_PREFIX = "actual_output_"
"""bioimageio.core saves each output it compared as ``actual_output_<member>_<format>.npy``."""


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


def _test(source: Path, weight_format: str | None, out_dir: Path, job: Job) -> dict[str, Any]:
    """bioimageio.core's test of one weight format, saving the outputs it computes in
    ``out_dir``; the library's summary (or one saying why the test could not run)."""
    from bioimageio.core import test_description

    def failed(message: str) -> dict[str, Any]:
        detail = {"name": "modelhub check", "status": "failed", "errors": [{"msg": message}]}
        return {"status": "failed", "details": [detail]}

    if weight_format is not None and weight_format in RUNTIMES:
        missing = runtime_missing(weight_format)
        if missing is not None:
            return failed(f"runtime not available ({missing})")
    try:
        summary = test_description(
            source, weight_format=cast(Any, weight_format), working_dir=out_dir
        )
    except BaseException as exc:  # the package's code may raise SystemExit too
        return failed(f"the test stopped with {type(exc).__name__}: {exc}"[:2000])
    return _dump(summary, job)


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


def _say(message: str) -> None:
    print(f"modelhub check: {message}", file=sys.stderr, flush=True)


def _outputs(out_dir: Path, weight_format: str | None) -> dict[str, bytes]:
    """The post-processed outputs the library saved (not the intermediate ones)."""
    found: dict[str, bytes] = {}
    suffix = f"_{weight_format}.npy"
    with contextlib.suppress(OSError):
        for path in sorted(out_dir.iterdir()):
            name = path.name
            wanted = name.startswith(OUTPUT_PREFIX) and name.endswith(suffix)
            if wanted and "_not_postprocessed_" not in name and path.is_file():
                found[name] = path.read_bytes()
    return found


def run_job(job: Job) -> tuple[dict[str, Any], dict[str, bytes]]:
    """Test the job's weight format of the package at ``job.package_dir``: the library's
    summary, and the output tensors it computed (file name -> ``.npy`` bytes)."""
    package = Path(job.package_dir)
    source = next((package / n for n in DESCRIPTION_FILES if (package / n).is_file()), None)
    if source is None:
        reason = f"the package has no {' or '.join(DESCRIPTION_FILES)}"
        detail = {"name": "modelhub check", "status": "failed", "errors": [{"msg": reason}]}
        return {"status": "failed", "details": [detail]}, {}
    out_dir = Path(job.work_dir) / "out"
    out_dir.mkdir(parents=True, exist_ok=True)
    start = time.monotonic()
    summary = _test(source, job.weight_format, out_dir, job)
    name = job.weight_format or "resource"
    _say(f"{name}: {summary.get('status')} in {time.monotonic() - start:.1f} s")
    return summary, _outputs(out_dir, job.weight_format)


def _send(fd: int, data: bytes) -> None:
    while data:
        data = data[os.write(fd, data) :]


def _send_results(fd: int, summary: dict[str, Any], tensors: dict[str, bytes]) -> None:
    for name, payload in tensors.items():
        _send(fd, frame("tensor", name, payload))
    data = json.dumps(summary).encode()
    if len(data) > MAX_SUMMARY_BYTES:  # keep the verdict, drop the (huge) details
        data = json.dumps({"status": summary.get("status"), "details": []}).encode()
    _send(fd, frame("summary", "summary", data))


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
    parser.add_argument("--out-fd", type=int, required=True)
    args = parser.parse_args(argv)
    # orphans (double-forked daemons) become our children, so we can find them afterwards
    with contextlib.suppress(OSError, AttributeError):
        ctypes.CDLL(None, use_errno=True).prctl(_PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0)
    try:
        preload()
    except ImportError as exc:
        print(f"modelhub: cannot import the test libraries: {exc}", file=sys.stderr)
        return EXIT_NO_LIBRARIES
    _send(args.out_fd, READY)
    raw = _read_job(args.job_fd)
    if not raw:
        return 0  # the hub went away (or closed the runner) before handing over a job
    try:
        job = Job.model_validate_json(raw)
    except ValueError as exc:
        print(f"modelhub: invalid job: {exc}", file=sys.stderr)
        return EXIT_BAD_JOB
    apply_limits(job)
    summary, tensors = run_job(job)
    # whatever the package started and left running (daemons too: we are their subreaper)
    strays = _descendants()
    for pid in strays:
        with contextlib.suppress(OSError):
            os.kill(pid, signal.SIGKILL)
    _send_results(args.out_fd, summary, tensors)
    _send(args.out_fd, frame("strays", "strays", json.dumps(list(strays.values())).encode()))
    os.close(args.out_fd)
    sys.stdout.flush()
    sys.stderr.flush()
    # the output is out: skip the interpreter's teardown (torch's takes a while) and any
    # exit handler the package may have registered
    os._exit(0)


if __name__ == "__main__":
    sys.exit(main())
