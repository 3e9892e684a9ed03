"""Plain words for what went wrong in a check, for the people who uploaded the package.

The per-format explanation is read from bioimageio's ValidationSummary (its error entries);
bioimageio.core writes a failed reproduction as prose with numbers in it, which we pick out.
"""

from __future__ import annotations

import re
import signal
from typing import Any

from modelhub.checks.limits import SandboxLimits, format_bytes, format_seconds

_MAX_REASON = 600
_MISMATCH = re.compile(
    r"Output '(?P<name>[^']+)': (?P<n>\d+) of (?P<total>\d+) elements disagree"
    r" with expected values \((?P<share>[^)]*)\)"
)
_ATOL = re.compile(r"not accounted for by absolute tolerance \((?P<atol>[^)]+)\)")
_RTOL_AMAX = re.compile(
    r"Max absolute difference not accounted for by relative tolerance \((?P<rtol>[^)]+)\):"
    r"\s*(?P<amax>[-+0-9.eEnaif]+)"
)
_EXCEPTION_LINE = re.compile(
    r"^\s*(?P<type>[A-Za-z_][\w.]*(?:Error|Exception|Exit|Interrupt))(?::\s*(?P<msg>.*))?\s*$"
)
_MEMORY_WORDS = ("MemoryError", "Cannot allocate memory", "std::bad_alloc")


def sentence(text: str | None) -> str:
    """``"the model failed"`` -> ``"The model failed."``"""
    text = (text or "").strip()
    return (text[:1].upper() + text[1:]).rstrip(".") + "."


def fragment(text: str) -> str:
    """``"The model failed."`` -> ``"the model failed"``: to go after a colon."""
    text = text.strip().rstrip(".")
    return text[:1].lower() + text[1:] if text[1:2].islower() else text


def _shorten(text: str, size: int = _MAX_REASON) -> str:
    text = " ".join(text.split())
    return text if len(text) <= size else text[: size - 1] + "…"


def _failed_errors(summary: dict[str, Any]) -> list[tuple[str, dict[str, Any]]]:
    found = []
    for detail in summary.get("details") or []:
        if isinstance(detail, dict) and detail.get("status") == "failed":
            for error in detail.get("errors") or []:
                if isinstance(error, dict):
                    found.append((str(detail.get("name", "")), error))
    return found


def _number(text: str) -> str:
    try:
        return f"{float(text):.3g}"
    except ValueError:
        return text


def _mismatch(msg: str) -> str | None:
    match = _MISMATCH.search(msg)
    if match is None:
        return None
    words = (
        f"output differs from the test output: {match['n']} of {match['total']} values of"
        f" '{match['name']}' differ ({match['share']})"
    )
    amax, atol = _RTOL_AMAX.search(msg), _ATOL.search(msg)
    if amax is not None and atol is not None:
        words += (
            f", max abs difference {_number(amax['amax'])} > {_number(atol['atol'])}"
            f" (+ {_number(amax['rtol'])} × |expected|)"
        )
    return words


def _exception(error: dict[str, Any]) -> str:
    msg = str(error.get("msg", ""))
    lines = str(error.get("traceback_md", "")).splitlines()
    for line in reversed(lines):
        if match := _EXCEPTION_LINE.match(line):
            detail = match["msg"] or msg
            return f"the model's code raised {match['type']}" + (f": {detail}" if detail else "")
    return f"the test failed: {msg}" if msg else "the test failed"


def explain_summary(summary: dict[str, Any]) -> str:
    """Why a format's test did not pass, from its ValidationSummary JSON."""
    errors = _failed_errors(summary)
    if not errors:
        return _shorten(f"the test ended with status {summary.get('status')!r}")
    for name, error in errors:
        if name.startswith("Reproduce test outputs") and (words := _mismatch(str(error["msg"]))):
            return _shorten(words)
    name, error = errors[0]
    if "format validation" in name or name.startswith("Successfully created"):
        where = ".".join(str(p) for p in error.get("loc") or [])
        return _shorten(
            f"the description is invalid: {where + ': ' if where else ''}{error['msg']}"
        )
    return _shorten(_exception(error))


def mentions_memory_error(summary: dict[str, Any] | None) -> bool:
    """Whether a failure was an allocation refused (by an rlimit: no cgroup killed it)."""
    if not summary:
        return False
    text = " ".join(f"{e.get('msg')} {e.get('traceback_md')}" for _, e in _failed_errors(summary))
    return any(word in text for word in _MEMORY_WORDS)


def signal_of(returncode: int, sandboxed: bool) -> int | None:
    """The signal that ended the process: bwrap exits with 128 + signal, Popen reports -signal."""
    if returncode < 0:
        return -returncode
    if sandboxed and 128 < returncode < 128 + 65:
        return returncode - 128
    return None


def timeout_reason(limits: SandboxLimits) -> str:
    return (
        f"The test ran longer than the limit of {format_seconds(limits.timeout_s)} and was stopped."
    )


def memory_reason(limits: SandboxLimits) -> str:
    return f"The model used more memory than the limit of {format_bytes(limits.memory_bytes)}."


def processes_reason(limits: SandboxLimits) -> str:
    return (
        f"The model tried to run more than {limits.max_processes} processes at once"
        " (the limit) and was stopped."
    )


def ending_reason(returncode: int, *, sandboxed: bool, limits: SandboxLimits) -> str:
    """Why the process ended without a report."""
    number = signal_of(returncode, sandboxed)
    if number == signal.SIGXCPU:
        return f"The test used more CPU time than the limit of {limits.cpu_seconds} s."
    if number == signal.SIGXFSZ:
        size = format_bytes(limits.max_file_bytes)
        return f"The model wrote a file larger than the limit of {size}."
    if number is not None:
        try:
            name = signal.Signals(number).name
        except ValueError:
            name = f"signal {number}"
        return f"The test process crashed (signal {name})."
    if returncode == 0:
        return "The test process ended without reporting a result."
    return f"The test process ended with exit code {returncode} without reporting a result."


def stray_reason(commands: list[str]) -> str:
    count = len(commands)
    shown = "; ".join(_shorten(c, 80) for c in commands[:3])
    return _shorten(
        f"The package left {count} process{'es' if count > 1 else ''} running after its test"
        f" ({shown}); {'they were' if count > 1 else 'it was'} stopped."
    )
