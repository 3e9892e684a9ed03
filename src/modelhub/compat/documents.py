"""The two shapes partners report in, checked strictly and normalised into ``Summary`` values.

- bioimageio.core's test summary (the seeds' ``test_summary_*.yaml``): name, source_name,
  status, error, traceback, nested_errors, bioimageio_spec_version, bioimageio_core_version,
  warnings. Its tool is bioimageio.core at ``bioimageio_core_version`` unless the sender names
  another (the partner's software running the test), and its test is the setting (the ``*`` of
  the file name) or else its ``name``.
- today's per-tool report JSON (``<tool>_<tool version>.json``): status, score, badge, error,
  details, links; and ``summary.json``, whose ``tests`` hold those reports per tool and tool
  version.

Unknown fields are kept (the libraries add fields over time); the known ones must have their
types. Every problem is an ``ErrorDetail`` whose ``loc`` leads to the field.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, StrictFloat, StrictInt, StrictStr

from modelhub.compat.models import SummaryShape, SummaryStatus

MAX_DOCUMENT_BYTES = 1024**2  # one summary as JSON; a longer one is refused
NAME = r"^[A-Za-z0-9][A-Za-z0-9._+-]{0,99}$"  # tools, tool versions, settings

STATUS_WORDS: dict[str, SummaryStatus] = {
    "passed": SummaryStatus.passed,
    "failed": SummaryStatus.failed,
    "error": SummaryStatus.failed,
    "not-applicable": SummaryStatus.not_applicable,
    "not_applicable": SummaryStatus.not_applicable,
    "skipped": SummaryStatus.not_applicable,
}


class _Open(BaseModel):
    model_config = ConfigDict(extra="allow", strict=True)


class CoreSummaryDoc(_Open):
    """bioimageio.core's test summary, as the seeds describe it."""

    name: StrictStr = Field(min_length=1, max_length=500)
    source_name: StrictStr | None = None
    status: StrictStr
    error: StrictStr | None = None
    traceback: list[StrictStr] | None = None
    nested_errors: dict[str, Any] | None = None
    bioimageio_spec_version: StrictStr = Field(min_length=1, max_length=100)
    bioimageio_core_version: StrictStr = Field(min_length=1, max_length=100)
    warnings: dict[str, Any] | list[Any] | None = None


class ReportDoc(_Open):
    """A per-tool compatibility report as bioimage.io publishes them today."""

    status: StrictStr
    score: StrictFloat | StrictInt | None = Field(default=None, ge=0, le=1)
    badge: Any = None
    error: StrictStr | None = None
    details: StrictStr | dict[str, Any] | list[Any] | None = None
    links: list[StrictStr] | None = None


class SummaryPush(BaseModel):
    """One item of a push: the resource version, and exactly one of ``test_summary`` (with an
    optional ``setting``, ``tool``, ``tool_version``), ``report`` (with ``tool`` and
    ``tool_version``) or ``tests`` (``summary.json``'s: tool → tool version → report)."""

    model_config = ConfigDict(extra="forbid", strict=True)

    resource_id: StrictStr = Field(min_length=1, max_length=200)
    version: StrictStr | StrictInt = Field(description='"v3", "3" or 3: a published version')
    test_summary: CoreSummaryDoc | None = None
    setting: StrictStr | None = Field(default=None, pattern=NAME)
    tool: StrictStr | None = Field(default=None, pattern=NAME)
    tool_version: StrictStr | None = Field(default=None, pattern=NAME)
    report: ReportDoc | None = None
    tests: dict[str, dict[str, ReportDoc]] | None = None


@dataclass(frozen=True)
class Summary:
    """A summary ready to store (its key, outcome and the document as sent)."""

    tool: str
    tool_version: str
    test: str
    status: SummaryStatus
    error: str | None
    score: float | None
    shape: SummaryShape
    document: dict[str, Any]


@dataclass(frozen=True)
class Problem:
    loc: tuple[str | int, ...]
    msg: str


class Refused(Exception):
    """The documents break the rules: every problem found, each with its ``loc``."""

    def __init__(self, problems: list[Problem]) -> None:
        super().__init__("; ".join(p.msg for p in problems))
        self.problems = problems


def status_of(word: str, loc: tuple[str | int, ...]) -> SummaryStatus:
    found = STATUS_WORDS.get(word.strip().lower())
    if found is None:
        known = ", ".join(sorted(STATUS_WORDS))
        raise Refused([Problem((*loc, "status"), f"Unknown status {word!r}; use one of {known}.")])
    return found


def _error(text: str | None) -> str | None:
    return text.strip() or None if text else None


def _sized(document: dict[str, Any], loc: tuple[str | int, ...]) -> dict[str, Any]:
    size = len(json.dumps(document, allow_nan=False, default=str))
    if size > MAX_DOCUMENT_BYTES:
        msg = f"This summary is {size:,} bytes as JSON; at most {MAX_DOCUMENT_BYTES:,} are kept."
        raise Refused([Problem(loc, msg)])
    return document


def from_test_summary(
    doc: CoreSummaryDoc,
    loc: tuple[str | int, ...],
    *,
    setting: str | None = None,
    tool: str | None = None,
    tool_version: str | None = None,
) -> Summary:
    document = _sized(doc.model_dump(mode="json"), loc)
    return Summary(
        tool=tool or "bioimageio.core",
        tool_version=tool_version or doc.bioimageio_core_version,
        test=(setting or doc.name)[:200],
        status=status_of(doc.status, loc),
        error=_error(doc.error),
        score=None,
        shape=SummaryShape.test_summary,
        document=document,
    )


def from_report(
    doc: ReportDoc, loc: tuple[str | int, ...], *, tool: str, tool_version: str
) -> Summary:
    document = _sized(doc.model_dump(mode="json"), loc)
    return Summary(
        tool=tool,
        tool_version=tool_version,
        test="",
        status=status_of(doc.status, loc),
        error=_error(doc.error),
        score=float(doc.score) if doc.score is not None else None,
        shape=SummaryShape.report,
        document=document,
    )


def from_tests(tests: dict[str, dict[str, ReportDoc]], loc: tuple[str | int, ...]) -> list[Summary]:
    """The reports of ``summary.json``'s ``tests`` (tool → tool version → report)."""
    out: list[Summary] = []
    problems: list[Problem] = []
    for tool, versions in tests.items():
        for version, report in versions.items():
            where = (*loc, tool, version)
            if not (re.match(NAME, tool) and re.match(NAME, version)):
                problems.append(Problem(where, "Tool names and versions: letters, digits, ._+-"))
                continue
            try:
                out.append(from_report(report, where, tool=tool, tool_version=version))
            except Refused as exc:
                problems += exc.problems
    if problems:
        raise Refused(problems)
    return out


def summaries_of(item: SummaryPush, loc: tuple[str | int, ...]) -> list[Summary]:
    """The summaries one pushed item holds."""
    given = [n for n in ("test_summary", "report", "tests") if getattr(item, n) is not None]
    if len(given) != 1:
        msg = "Give exactly one of test_summary, report or tests."
        raise Refused(
            [Problem(loc, msg + (f" This item has {', '.join(given)}." if given else ""))]
        )
    if item.test_summary is not None:
        return [
            from_test_summary(
                item.test_summary,
                (*loc, "test_summary"),
                setting=item.setting,
                tool=item.tool,
                tool_version=item.tool_version,
            )
        ]
    if item.report is not None:
        if item.tool is None or item.tool_version is None:
            missing = [n for n in ("tool", "tool_version") if getattr(item, n) is None]
            raise Refused(
                [Problem((*loc, n), "A report needs the tool and its version.") for n in missing]
            )
        return [
            from_report(
                item.report, (*loc, "report"), tool=item.tool, tool_version=item.tool_version
            )
        ]
    return from_tests(item.tests or {}, (*loc, "tests"))
