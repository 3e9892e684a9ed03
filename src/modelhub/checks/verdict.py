"""From what one weight format's sandbox left behind to that format's result, and from the
formats' results to the check's.

A format passes only on the judge's word (`judge.judge_format`); limits broken, crashes, stray
processes and a failed summary from inside each make it fail, with the reason in plain words.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Literal

from modelhub.checks import sandbox_reasons as words
from modelhub.checks.judge import DECIDED_BY, Expectations, judge_format
from modelhub.checks.limits import SandboxLimits, format_bytes
from modelhub.checks.sandbox_process import EXIT_CGROUP_JOIN, Ending
from modelhub.checks.sandbox_protocol import parse_frames

ErrorKind = Literal["sandbox_unavailable", "sandbox_broken", "nothing_to_test", "no_runtime"]
"""Why a check ended with status ``error``, without judging the package: the worker has no
sandbox; a sandbox did not start or work; the package has nothing to test; no weight format of
it can run on this worker."""


@dataclass
class FormatResult:
    """The test of one weight format."""

    status: Literal["passed", "failed", "not-run"]
    reason: str | None
    duration_s: float
    summary: dict[str, Any] | None
    """bioimageio's ValidationSummary (JSON) of this format's test, as the library inside the
    sandbox made it (diagnostics: it never decides a pass)."""
    decided_by: str = DECIDED_BY
    outputs: dict[str, dict[str, object]] = field(default_factory=dict)
    """The judge's comparison of each output (mismatched elements, tolerances…)."""


@dataclass
class CheckOutcome:
    """The whole check of one package."""

    status: Literal["passed", "failed", "error"]
    reason: str | None
    formats: dict[str, FormatResult] = field(default_factory=dict)
    log: str = ""
    duration_s: float = 0.0
    library_versions: dict[str, str] = field(default_factory=dict)
    decided_by: str = DECIDED_BY
    error_kind: ErrorKind | None = None


@dataclass
class SandboxRun:
    """What one sandbox produced, read before it was destroyed."""

    ending: Ending | None = None
    output: bytes | None = None
    output_overflow: bool = False
    oom_killed: bool = False
    hit_task_limit: bool = False
    infrastructure: str | None = None
    log: str = ""
    duration_s: float = 0.0


def infrastructure_reason(run: SandboxRun, limits: SandboxLimits) -> str | None:
    """Why the sandbox itself did not work (our error, not the package's), or None."""
    if not run.infrastructure and run.ending is not None:
        return None
    why = ""
    if run.ending is not None and run.ending.returncode == EXIT_CGROUP_JOIN:
        why = " (it could not join its cgroup)"
    elif run.oom_killed:
        limit = format_bytes(limits.memory_bytes)
        why = f" (the memory limit of {limit} is too small for the test libraries)"
    return f"{run.infrastructure or 'The sandbox did not start'}{why}."


def _broken_limits(
    run: SandboxRun, summary: dict[str, Any] | None, limits: SandboxLimits
) -> list[str]:
    if run.ending is None:
        raise ValueError("the sandbox run did not start, so it has no ending to judge")
    broken = []
    if run.oom_killed or words.mentions_memory_error(summary):
        broken.append(words.memory_reason(limits))
    if run.ending.too_many_processes or run.hit_task_limit:
        broken.append(words.processes_reason(limits))
    if run.ending.timed_out:
        broken.append(words.timeout_reason(limits))
    return broken


def format_result(
    run: SandboxRun,
    expect: Expectations,
    weight_format: str,
    *,
    sandboxed: bool,
    limits: SandboxLimits,
) -> FormatResult:
    """One format's result from its sandbox run (which did start: see `infrastructure_reason`)."""
    if run.ending is None:
        raise ValueError("the sandbox run did not start, so it has no ending to judge")
    produced = parse_frames(run.output or b"")
    result = FormatResult("failed", None, run.duration_s, produced.summary)
    reasons = _broken_limits(run, produced.summary, limits)
    code = -9 if run.ending.returncode is None else run.ending.returncode
    if not reasons and run.output_overflow:
        reasons.append("the test's output was larger than its expected outputs allow")
    if not reasons and code != 0 and produced.summary is None:
        reasons.append(words.ending_reason(code, sandboxed=sandboxed, limits=limits))
    if not reasons:
        judgement = judge_format(expect, weight_format, produced)
        result.outputs = judgement.outputs
        if judgement.status == "passed":
            result.status = "passed"
        else:
            reasons.append(judgement.reason or "the judge found a problem")
    if produced.strays:
        reasons.append(words.stray_reason(produced.strays))
    if reasons:
        result.status, result.reason = "failed", "; ".join(map(words.fragment, reasons))
    return result


def combine(outcome: CheckOutcome) -> CheckOutcome:
    """The check's status and reason from its formats' results."""
    reasons = [
        f"Weight format '{name}' failed: {r.reason}" if name != "resource" else r.reason
        for name, r in outcome.formats.items()
        if r.status == "failed" and r.reason
    ]
    if any(r.status == "failed" for r in outcome.formats.values()):
        outcome.status = "failed"
        outcome.reason = " ".join(map(words.sentence, reasons)) or "The check failed."
    elif outcome.formats and all(f.status == "not-run" for f in outcome.formats.values()):
        missing = "; ".join(f"{n}: {f.reason}" for n, f in outcome.formats.items())
        outcome.status, outcome.error_kind = "error", "no_runtime"
        outcome.reason = f"Not tested: no weight format of this package can run here ({missing})."
    elif not outcome.formats:
        outcome.status, outcome.error_kind = "error", "nothing_to_test"
        outcome.reason = "Not tested: the package has nothing to test."
    else:
        outcome.status, outcome.reason = "passed", None
    return outcome
