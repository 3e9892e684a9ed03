"""What a worker hands back for one check: a frozen, picklable value the hub reads by attribute.

The runner builds its result step by step (`verdict.CheckOutcome`); the worker freezes it into
a `CheckReport`, which crosses Dask by pickle, and the hub's ``apply`` writes it to the check's
row (`results.record_outcome`). The job's row keeps a small JSON copy (`CheckReport.job_json`),
within the size that jobs keep (`jobs.service.MAX_RESULT_CHARS`).
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Literal, get_args

from modelhub.checks.judge import DECIDED_BY
from modelhub.checks.verdict import CheckOutcome, ErrorKind, FormatResult
from modelhub.jobs.service import MAX_RESULT_CHARS

LOG_LIMIT = 256 * 1024
"""The most of a check's log that is kept (its start)."""
REASON_LIMIT = 500
"""The most of a reason the job's JSON copy keeps (the check's row keeps all of it)."""

CheckStatus = Literal["passed", "failed", "error"]
FormatStatus = Literal["passed", "failed", "not-run"]


@dataclass(frozen=True)
class FormatReport:
    """The test of one weight format (or ``resource`` for a package without weights)."""

    status: FormatStatus
    reason: str | None = None
    duration_s: float = 0.0
    decided_by: str = DECIDED_BY
    outputs: Mapping[str, Any] = field(default_factory=dict)
    """The judge's comparison of each output (mismatched elements, tolerances…)."""
    summary: Mapping[str, Any] | None = None
    """bioimageio's ValidationSummary from inside the sandbox (diagnostics only)."""

    @classmethod
    def of(cls, result: FormatResult) -> FormatReport:
        return cls(
            status=result.status,
            reason=result.reason,
            duration_s=result.duration_s,
            decided_by=result.decided_by,
            outputs=dict(result.outputs),
            summary=dict(result.summary) if result.summary is not None else None,
        )

    def row(self) -> dict[str, Any]:
        """What the check's row keeps of this format (``CheckRun.formats[name]``)."""
        keys = ("status", "reason", "duration_s", "decided_by", "outputs")
        return {key: _plain(getattr(self, key)) for key in keys}


@dataclass(frozen=True)
class CheckReport:
    """The whole check of one package as a worker ends it.

    ``error_kind`` says why a check with status ``error`` could not judge the package
    (`verdict.ErrorKind`); it is None for a pass or a failure.
    """

    status: CheckStatus
    reason: str | None = None
    formats: Mapping[str, FormatReport] = field(default_factory=dict)
    log: str = ""
    duration_s: float = 0.0
    library_versions: Mapping[str, str] = field(default_factory=dict)
    error_kind: ErrorKind | None = None

    @classmethod
    def of(cls, outcome: CheckOutcome) -> CheckReport:
        """Freeze the runner's outcome (its log cut to ``LOG_LIMIT``)."""
        return cls(
            status=outcome.status,
            reason=outcome.reason,
            formats={name: FormatReport.of(r) for name, r in outcome.formats.items()},
            log=outcome.log[:LOG_LIMIT],
            duration_s=outcome.duration_s,
            library_versions=dict(outcome.library_versions),
            error_kind=outcome.error_kind,
        )

    @classmethod
    def not_run(cls, reason: str, kind: ErrorKind) -> CheckReport:
        """No package code ran: the hub could not test it (never a pass or a failure)."""
        return cls(status="error", reason=reason, error_kind=kind)

    def to_json(self) -> dict[str, Any]:
        """Everything, as JSON (`from_json` reads it back)."""
        data: dict[str, Any] = _plain(
            {
                "status": self.status,
                "reason": self.reason,
                "log": self.log,
                "duration_s": self.duration_s,
                "library_versions": self.library_versions,
                "error_kind": self.error_kind,
            }
        )
        data["formats"] = {
            name: {**r.row(), "summary": _plain(r.summary)} for name, r in self.formats.items()
        }
        return data

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> CheckReport:
        """The report `to_json` wrote; ``ValueError`` for an unknown status or error kind."""
        status = data["status"]
        kind = data.get("error_kind")
        if status not in get_args(CheckStatus) or (
            kind is not None and kind not in get_args(ErrorKind)
        ):
            raise ValueError(f"not a check report: status {status!r}, error kind {kind!r}")
        return cls(
            status=status,
            reason=data.get("reason"),
            formats={
                name: FormatReport(
                    status=r["status"],
                    reason=r.get("reason"),
                    duration_s=float(r.get("duration_s") or 0.0),
                    decided_by=r.get("decided_by") or DECIDED_BY,
                    outputs=dict(r.get("outputs") or {}),
                    summary=r.get("summary"),
                )
                for name, r in (data.get("formats") or {}).items()
            },
            log=str(data.get("log") or ""),
            duration_s=float(data.get("duration_s") or 0.0),
            library_versions=dict(data.get("library_versions") or {}),
            error_kind=kind,
        )

    def job_json(self) -> dict[str, Any]:
        """The small copy the job's row keeps: statuses, reasons (cut), times, libraries; the
        log, the outputs' comparisons and the summaries stay on the check's row only. Within
        ``MAX_RESULT_CHARS`` whatever the package named its formats: without them if need be."""
        copy = {
            "status": self.status,
            "reason": _cut(self.reason),
            "error_kind": self.error_kind,
            "duration_s": round(self.duration_s, 3),
            "library_versions": dict(self.library_versions),
            "formats": {
                name: {"status": r.status, "reason": _cut(r.reason)}
                for name, r in self.formats.items()
            },
        }
        if len(json.dumps(copy)) > MAX_RESULT_CHARS:
            copy.update(formats={}, formats_omitted=len(self.formats), library_versions={})
        return copy


def _cut(text: str | None) -> str | None:
    if text is None or len(text) <= REASON_LIMIT:
        return text
    return text[: REASON_LIMIT - 1] + "…"


def _plain(value: Any) -> Any:
    """Mappings (read-only ones included) as dicts, recursively, for JSON and the database."""
    if isinstance(value, Mapping):
        return {key: _plain(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [_plain(item) for item in value]
    return value
