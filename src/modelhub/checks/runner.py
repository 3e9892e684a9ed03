"""Run the dynamic test of a package in the sandbox and say, in plain words, how it went.

    runner = CheckRunner(scratch_root=Path("/var/tmp/modelhub-checks"))
    outcome = runner.run(Path("unpacked-package"))   # CheckOutcome
    runner.close()

A runner keeps one sandbox started ahead of time (``warm=True``), so that a check does not
wait for torch & co. to be imported; it may be used from several threads at once (each
check gets its own sandbox). Nothing of a check is left afterwards: no process, no cgroup,
no scratch folder.
"""

from __future__ import annotations

import logging
import os
import shutil
import stat
import time
import weakref
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

from pydantic import ValidationError

from modelhub.checks import sandbox_reasons as words
from modelhub.checks.limits import SandboxLimits, format_bytes
from modelhub.checks.sandbox import SandboxUnavailable, default_hidden_paths, probe
from modelhub.checks.sandbox_process import (
    EXIT_CGROUP_JOIN,
    Ending,
    LaunchConfig,
    SandboxProcess,
    tasks_of_user,
)
from modelhub.checks.sandbox_protocol import FormatReport, InsideReport, Job
from modelhub.checks.zygote import ZygotePool

logger = logging.getLogger(__name__)

STARTUP_TIMEOUT_S = 300.0
"""How long a sandbox may take to import its libraries (not counted against the package)."""
_SECRET_WORDS = ("TOKEN", "SECRET", "PASSWORD", "PASSWD", "KEY", "CREDENTIAL")


@dataclass
class FormatResult:
    """The test of one weight format."""

    status: Literal["passed", "failed", "not-run"]
    reason: str | None
    duration_s: float
    summary: dict[str, Any] | None
    """bioimageio's ValidationSummary (JSON) of this format's test, as the library made it."""


@dataclass
class CheckOutcome:
    """The whole check of one package."""

    status: Literal["passed", "failed", "error"]
    reason: str | None
    formats: dict[str, FormatResult] = field(default_factory=dict)
    log: str = ""
    duration_s: float = 0.0
    library_versions: dict[str, str] = field(default_factory=dict)


def _copy_package(source: Path, target: Path) -> None:
    """Copy folders and regular files only: a symlink could point anywhere on the host."""
    for root, dirs, files in os.walk(source):
        here = Path(root)
        dest = target / here.relative_to(source)
        for name in dirs:
            if not (here / name).is_symlink():
                (dest / name).mkdir()
        dirs[:] = [d for d in dirs if not (here / d).is_symlink()]
        for name in files:
            mode = os.lstat(here / name).st_mode
            if stat.S_ISREG(mode):
                shutil.copyfile(here / name, dest / name)


def _sentence(text: str | None) -> str:
    text = (text or "").strip()
    return (text[:1].upper() + text[1:]).rstrip(".") + "."


def _format_result(report: FormatReport) -> FormatResult:
    reason = report.reason
    if reason is None and report.status == "failed" and report.summary:
        reason = words.explain_summary(report.summary)
    return FormatResult(report.status, reason, report.duration_s, report.summary)


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


@dataclass
class _Run:
    """What one sandbox produced, read before it was destroyed."""

    ending: Ending | None = None
    report: bytes | None = None
    oom_killed: bool = False
    hit_task_limit: bool = False
    infrastructure: str | None = None
    versions: dict[str, str] = field(default_factory=dict)
    log: str = ""


class CheckRunner:
    """Runs checks in bubblewrap sandboxes (or, if explicitly allowed, without one)."""

    def __init__(
        self,
        *,
        limits: SandboxLimits = SandboxLimits(),  # noqa: B008 - frozen, shared safely
        scratch_root: Path,
        allow_unsandboxed: bool = False,
        warm: bool = True,
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
            self._pool = ZygotePool(config, warm=warm)
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
        result = self._attempt(package_dir, retry=True)
        outcome = self._interpret(result)
        outcome.duration_s = time.monotonic() - start
        secrets = _secrets()
        outcome.log = _scrub(outcome.log, secrets)
        outcome.reason = _scrub(outcome.reason, secrets)
        for fmt in outcome.formats.values():
            fmt.reason, fmt.summary = _scrub(fmt.reason, secrets), _scrub(fmt.summary, secrets)
        return outcome

    def _attempt(self, package_dir: Path, *, retry: bool) -> _Run:
        assert self._pool is not None
        try:
            process, warm = self._pool.take()
        except OSError as exc:
            return _Run(infrastructure=f"The sandbox could not be started: {exc}")
        result = _Run()
        try:
            _copy_package(package_dir, process.package_dir)
            result.versions = process.wait_ready(STARTUP_TIMEOUT_S) or {}
            if not result.versions or not process.send(self._job(process)):
                result.infrastructure = "The sandbox did not start"
                process.kill()
                result.ending = Ending(process.popen.returncode)
            else:
                result.ending = process.wait(self.limits.timeout_s)
                process.kill()  # whatever it left running
                result.report = process.report_bytes()
            if process.cgroup is not None:
                result.oom_killed = process.cgroup.oom_killed()
                result.hit_task_limit = process.cgroup.hit_task_limit()
        finally:
            process.destroy()
            self._pool.refill()
        result.log = process.log.text()
        if result.infrastructure and retry and warm:
            # the pre-started sandbox was not usable after all (e.g. killed while waiting)
            logger.warning("warm sandbox unusable, starting a fresh one: %s", result.log[-500:])
            return self._attempt(package_dir, retry=False)
        return result

    def _job(self, process: SandboxProcess) -> Job:
        cgroup = process.cgroup
        return Job(
            package_dir=process.inside_package_dir,
            work_dir=process.work_dir,
            cpu_seconds=self.limits.cpu_seconds,
            max_file_bytes=self.limits.max_file_bytes,
            memory_bytes=None if cgroup and cgroup.bounds_memory else self.limits.memory_bytes,
            max_processes=None if cgroup and cgroup.bounds_tasks else self._nproc(process),
        )

    def _nproc(self, process: SandboxProcess) -> int:
        """The RLIMIT_NPROC value standing in for a cgroup task limit.

        It counts tasks of the user: inside a user namespace those of the namespace (kernel
        5.14+), otherwise all of the user's on the host, so that the limit is set on top of
        what already runs. (It never binds root: a process count watch does that.)
        """
        support = process.config.support
        if support is not None and support.userns:
            return self.limits.max_tasks
        return self.limits.max_tasks + tasks_of_user(os.getuid())

    def _interpret(self, run: _Run) -> CheckOutcome:
        outcome = CheckOutcome(status="error", reason=None, log=run.log)
        outcome.library_versions = run.versions
        if run.infrastructure or run.ending is None:
            why = ""
            if run.ending is not None and run.ending.returncode == EXIT_CGROUP_JOIN:
                why = " (it could not join its cgroup)"
            elif run.oom_killed:
                limit = format_bytes(self.limits.memory_bytes)
                why = f" (the memory limit of {limit} is too small for the test libraries)"
            outcome.reason = f"{run.infrastructure or 'The sandbox did not start'}{why}."
            return outcome
        report = self._parse(run.report)
        if report is not None:
            outcome.formats = {name: _format_result(r) for name, r in report.formats.items()}
            if report.internal_error:
                outcome.reason = f"The check itself failed: {report.internal_error}"
                return outcome
        # a limit broken is the verdict, whatever the report says
        reasons = self._broken_limits(run, run.ending, outcome)
        if not reasons and report is None:
            code = -9 if run.ending.returncode is None else run.ending.returncode
            reasons.append(
                "The test process reported a malformed result."
                if run.report is not None
                else words.ending_reason(code, sandboxed=self.sandboxed, limits=self.limits)
            )
        if not reasons:  # else the broken limit explains the failures too
            reasons = [
                _sentence(
                    f.reason if n == "resource" else f"Weight format '{n}' failed: {f.reason}"
                )
                for n, f in outcome.formats.items()
                if f.status == "failed"
            ]
        if report is not None and report.stray_processes:
            reasons.append(words.stray_reason(report.stray_processes))
        if reasons:
            outcome.status, outcome.reason = "failed", " ".join(reasons)
        elif all(f.status == "not-run" for f in outcome.formats.values()):
            missing = "; ".join(f"{n}: {f.reason}" for n, f in outcome.formats.items())
            outcome.reason = (
                f"Not tested: no weight format of this package can run here ({missing})."
            )
        else:
            outcome.status, outcome.reason = "passed", None
        return outcome

    def _broken_limits(self, run: _Run, ending: Ending, outcome: CheckOutcome) -> list[str]:
        limits, summaries = self.limits, [f.summary for f in outcome.formats.values()]
        broken = []
        if run.oom_killed or any(map(words.mentions_memory_error, summaries)):
            broken.append(words.memory_reason(limits))
        if ending.too_many_processes or run.hit_task_limit:
            broken.append(words.processes_reason(limits))
        if ending.timed_out:
            broken.append(words.timeout_reason(limits))
        return broken

    @staticmethod
    def _parse(raw: bytes | None) -> InsideReport | None:
        if raw is None:
            return None
        try:
            return InsideReport.model_validate_json(raw)
        except ValidationError:
            return None
