"""Run the dynamic test of a package in sandboxes and say, in plain words, how it went.

    runner = CheckRunner(scratch_root=Path("/var/tmp/modelhub-checks"))
    outcome = runner.run(Path("unpacked-package"))   # CheckOutcome
    runner.close()

Each weight format is tested in a sandbox of its own (so that the code of one format, say a
state dict's architecture, cannot touch another's test), and what each produced is judged here
(`judge`), in this process, which never runs the package's code. A runner keeps one sandbox
started ahead of time (``warm=True``), so that a test does not wait for torch & co. to be
imported; it may be used from several threads at once. Nothing of a check is left afterwards:
no process, no cgroup, no scratch folder.
"""

from __future__ import annotations

import logging
import os
import shutil
import stat
import time
import weakref
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from modelhub.checks.judge import (
    Expectations,
    judge_static,
    read_expectations,
    weight_formats_in,
)
from modelhub.checks.limits import SandboxLimits
from modelhub.checks.runtimes import library_versions, runtime_missing
from modelhub.checks.sandbox import (
    SANDBOX_UID,
    SandboxUnavailable,
    default_hidden_paths,
    probe,
)
from modelhub.checks.sandbox_process import Ending, LaunchConfig, SandboxProcess, tasks_of_user
from modelhub.checks.sandbox_protocol import MAX_SUMMARY_BYTES, Job
from modelhub.checks.verdict import (
    CheckOutcome,
    FormatResult,
    SandboxRun,
    combine,
    format_result,
    infrastructure_reason,
)
from modelhub.checks.zygote import ZygotePool

__all__ = ["CheckOutcome", "CheckRunner", "FormatResult"]
logger = logging.getLogger(__name__)

STARTUP_TIMEOUT_S = 300.0
"""How long a sandbox may take to import its libraries (not counted against the package)."""
_SECRET_WORDS = ("TOKEN", "SECRET", "PASSWORD", "PASSWD", "KEY", "CREDENTIAL")


def _copy_package(source: Path, target: Path) -> None:
    """Copy folders and regular files only: a symlink could point anywhere on the host."""
    for root, dirs, files in os.walk(source):
        here = Path(root)
        dest = target / here.relative_to(source)
        for name in dirs:
            if not (here / name).is_symlink():
                (dest / name).mkdir(mode=0o755)
                (dest / name).chmod(0o755)  # the sandbox's user reads it, whatever our umask
        dirs[:] = [d for d in dirs if not (here / d).is_symlink()]
        for name in files:
            mode = os.lstat(here / name).st_mode
            if stat.S_ISREG(mode):
                shutil.copyfile(here / name, dest / name)
                (dest / name).chmod(0o644)


def _secrets() -> list[str]:
    return [
        value
        for key, value in os.environ.items()
        if len(value) >= 8
        and (key.startswith("MODELHUB_") or any(w in key.upper() for w in _SECRET_WORDS))
    ]


def _scrub(value: Any, secrets: list[str]) -> Any:
    """Defence in depth: no secret of the hub's environment in anything we hand back."""
    if isinstance(value, str):
        for secret in secrets:
            value = value.replace(secret, "[hidden]")
        return value
    if isinstance(value, list):
        return [_scrub(v, secrets) for v in value]
    if isinstance(value, dict):
        return {k: _scrub(v, secrets) for k, v in value.items()}
    return value


class CheckRunner:
    """Runs checks in bubblewrap sandboxes (or, if explicitly allowed, without one)."""

    def __init__(
        self,
        *,
        limits: SandboxLimits = SandboxLimits(),  # noqa: B008 - frozen, shared safely
        scratch_root: Path,
        allow_unsandboxed: bool = False,
        warm: bool = True,
        warm_sandboxes: int = 2,
        hidden_paths: Sequence[Path] | None = None,
        use_cgroups: bool = True,
    ) -> None:
        """``hidden_paths``: folders/files no check may read (the hub's data dir, DB file,
        storage root…), on top of what `default_hidden_paths` finds in the environment.
        ``use_cgroups=False`` bounds memory and processes with rlimits only."""
        self.limits = limits
        support = probe()
        self.sandboxed = support.usable
        self.unavailable_reason = None if support.usable else support.reason
        self._pool: ZygotePool | None = None
        if support.usable or allow_unsandboxed:
            if not support.usable:
                logger.warning("checks run WITHOUT a sandbox: %s", support.reason)
            hidden = tuple(Path(p) for p in [*(hidden_paths or []), *default_hidden_paths()])
            config = LaunchConfig(
                limits,
                Path(scratch_root),
                hidden,
                support if support.usable else None,
                use_cgroups=use_cgroups,
            )
            self._pool = ZygotePool(config, warm=warm, depth=warm_sandboxes)
            weakref.finalize(self, self._pool.close)

    def wait_warm(self, timeout_s: float = STARTUP_TIMEOUT_S) -> bool:
        """Block until the pre-started sandbox is ready for a check (its libraries imported);
        False when there is none (``warm=False``). For benchmarks, and for workers that want
        their first check to start warm too."""
        return self._pool is not None and self._pool.wait_warm(timeout_s)

    def close(self) -> None:
        """Stop the pre-started sandbox, if any."""
        if self._pool is not None:
            self._pool.close()

    def run(self, package_dir: Path) -> CheckOutcome:
        """Test every weight format of the package in ``package_dir`` (left untouched)."""
        if self._pool is None:
            raise SandboxUnavailable(self.unavailable_reason)
        if not package_dir.is_dir():
            raise FileNotFoundError(f"no package folder at {package_dir}")
        start = time.monotonic()
        outcome = self._run(package_dir)
        outcome.duration_s = time.monotonic() - start
        secrets = _secrets()
        outcome.log = _scrub(outcome.log, secrets)
        outcome.reason = _scrub(outcome.reason, secrets)
        for fmt in outcome.formats.values():
            fmt.reason, fmt.summary = _scrub(fmt.reason, secrets), _scrub(fmt.summary, secrets)
        return outcome

    def _run(self, package_dir: Path) -> CheckOutcome:
        outcome = CheckOutcome(status="error", reason=None, library_versions=library_versions())
        expect = read_expectations(package_dir)
        if not expect.is_model:
            return self._static(expect, outcome)
        logs = []
        for weight_format in expect.weight_formats:
            missing = runtime_missing(weight_format)
            if missing is not None:
                reason = f"not run: runtime not available ({missing})"
                outcome.formats[weight_format] = FormatResult("not-run", reason, 0.0, None)
                continue
            run = self._attempt(package_dir, weight_format, self._output_limit(expect))
            logs.append(f"=== {weight_format} ===\n{run.log}")
            problem = infrastructure_reason(run, self.limits)
            if problem is not None:  # not the package's doing: the whole check could not run
                outcome.reason, outcome.log = problem, "\n".join(logs)
                outcome.error_kind = "sandbox_broken"
                return outcome
            outcome.formats[weight_format] = format_result(
                run, expect, weight_format, sandboxed=self.sandboxed, limits=self.limits
            )
        outcome.log = "\n".join(logs)
        return combine(outcome)

    def _static(self, expect: Expectations, outcome: CheckOutcome) -> CheckOutcome:
        """No weights to run (or no readable model description): the judge decides alone."""
        if expect.source is not None and expect.problem is not None:
            # an unreadable model description: each of its formats fails with the reason
            names = weight_formats_in(expect.source) or ["resource"]
            for name in names:
                outcome.formats[name] = FormatResult("failed", expect.problem, 0.0, None)
            return combine(outcome)
        judgement, summary = judge_static(expect)
        outcome.formats["resource"] = FormatResult(judgement.status, judgement.reason, 0.0, summary)
        return combine(outcome)

    @staticmethod
    def _output_limit(expect: Expectations) -> int:
        """The most a format's sandbox may hand back: its outputs (in the widest number type,
        8 bytes per value, at most 8 times the expected file) and the library's summary."""
        expected = sum(p.stat().st_size for p in expect.outputs.values())
        return 8 * expected + MAX_SUMMARY_BYTES + 1024 * 1024

    def _attempt(
        self, package_dir: Path, weight_format: str, limit: int, *, retry: bool = True
    ) -> SandboxRun:
        if self._pool is None:
            raise SandboxUnavailable(self.unavailable_reason)
        try:
            process, warm = self._pool.take()
        except OSError as exc:
            return SandboxRun(infrastructure=f"The sandbox could not be started: {exc}")
        result = SandboxRun()
        start = time.monotonic()
        try:
            _copy_package(package_dir, process.package_dir)
            ready = process.wait_ready(STARTUP_TIMEOUT_S)
            if ready:
                process.collect_output(limit)
            if not ready or not process.send(self._job(process, weight_format)):
                result.infrastructure = "The sandbox did not start"
                process.kill()
                result.ending = Ending(process.popen.returncode)
            else:
                result.ending = process.wait(self.limits.timeout_s)
                process.kill()  # whatever it left running
                result.output = process.output_bytes()
                result.output_overflow = process.output is not None and process.output.overflow
            if process.cgroup is not None:
                result.oom_killed = process.cgroup.oom_killed()
                result.hit_task_limit = process.cgroup.hit_task_limit()
        finally:
            process.destroy()
        result.duration_s = time.monotonic() - start
        result.log = process.log.text()
        if result.infrastructure and retry and warm:
            # the pre-started sandbox was not usable after all (e.g. killed while waiting)
            logger.warning("warm sandbox unusable, starting a fresh one: %s", result.log[-500:])
            return self._attempt(package_dir, weight_format, limit, retry=False)
        return result

    def _job(self, process: SandboxProcess, weight_format: str) -> Job:
        cgroup = process.cgroup
        return Job(
            package_dir=process.inside_package_dir,
            work_dir=process.work_dir,
            weight_format=weight_format,
            cpu_seconds=self.limits.cpu_seconds,
            max_file_bytes=self.limits.max_file_bytes,
            memory_bytes=None if cgroup and cgroup.bounds_memory else self.limits.memory_bytes,
            max_processes=None if cgroup and cgroup.bounds_tasks else self._nproc(process),
        )

    def _nproc(self, process: SandboxProcess) -> int:
        """The RLIMIT_NPROC value standing in for a cgroup task limit.

        It counts tasks of the user: inside a user namespace those of the namespace (kernel
        5.14+), otherwise all of the user's on the host (uid 65534 where the sandbox drops to
        it), so that the limit is set on top of what already runs. (It never binds root: a
        process count watch does that.)
        """
        support = process.config.support
        if support is not None and support.mode == "userns":
            return self.limits.max_tasks
        if support is None:
            return self.limits.max_tasks + tasks_of_user(os.getuid())
        # as the host's nobody, every sandbox of this host counts against the same user, and
        # the others may grow after this count: headroom, while the process count watch
        # (root hub, no cgroup) holds the check to its own limit
        return 4 * self.limits.max_tasks + tasks_of_user(SANDBOX_UID)
