"""Where a partner's summaries are, under its ``test_summary_url`` (``<base>``), and fetching
them on a worker (no database). Plain HTTP lists no folders, so the names are fixed or listed:

For each published version ``v<N>`` of a resource ``<id>`` (the id's segments kept as path
segments, each percent-encoded):

1. ``<base>/<id>/v<N>/summary.json`` — today's bioimage.io shape; its ``tests`` (tool → tool
   version → report) are read.
2. ``<base>/<id>/v<N>/test_summaries.json`` — an optional index: a JSON list of file names
   ``test_summary_<setting>.yaml`` (or ``{"files": [...]}``), each fetched beside it.
3. Without an index: ``<base>/<id>/v<N>/test_summary.yaml``.

A 404 means "nothing here" and is not a problem; any other failure is reported in the pull's
state (``summary_pulls.last_problems``) and the other files are still read.
"""

from __future__ import annotations

import json
import re
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import quote

from pydantic import ValidationError

from modelhub.compat.documents import (
    CoreSummaryDoc,
    Refused,
    ReportDoc,
    Summary,
    from_test_summary,
    from_tests,
)
from modelhub.errors import HubError
from modelhub.fetch.client import Fetched, fetch
from modelhub.fetch.errors import FetchError
from modelhub.fetch.policy import FetchPolicy
from modelhub.uploads.yamlsafe import parse_description_yaml

INDEX = "test_summaries.json"
DEFAULT = "test_summary.yaml"
TODAY = "summary.json"
FILE_NAME = re.compile(r"test_summary(_[A-Za-z0-9._+-]{1,100})?\.yaml")
MAX_LISTED = 50  # files one index may name


@dataclass(frozen=True)
class Target:
    resource_id: str
    number: int


@dataclass(frozen=True)
class PullTask:
    base: str | None
    targets: tuple[Target, ...]
    policy: FetchPolicy


@dataclass(frozen=True)
class Found:
    resource_id: str
    number: int
    url: str
    summaries: tuple[Summary, ...]


@dataclass
class PullResult:
    found: list[Found] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)
    fetched: int = 0

    def job_json(self) -> dict[str, Any]:
        """What the job's row keeps (the summaries go to their table)."""
        count = sum(len(f.summaries) for f in self.found)
        return {"fetched": self.fetched, "summaries": count, "problems": self.problems[:10]}


def folder_url(base: str, resource_id: str, number: int) -> str:
    """``<base>/<id>/v<N>/`` (the partner's address, not one of the hub's)."""
    segments = "/".join(quote(part, safe="") for part in resource_id.split("/"))
    return f"{base.rstrip('/')}/{segments}/v{number}/"


def _get(url: str, work: Path, policy: FetchPolicy, result: PullResult) -> bytes | None:
    """The body at ``url``; None when it is not there (404) or could not be read (noted)."""
    try:
        got = fetch(url, dest=work / "body", policy=policy)
    except FetchError as exc:
        if exc.http_status != 404:
            result.problems.append(exc.message)
        return None
    result.fetched += 1
    return got.path.read_bytes() if isinstance(got, Fetched) else None


def _listed(raw: bytes, url: str, result: PullResult) -> list[str]:
    try:
        data: Any = json.loads(raw)
    except (UnicodeDecodeError, json.JSONDecodeError):
        result.problems.append(f"{url}: not JSON.")
        return []
    names = data.get("files") if isinstance(data, dict) else data
    if not isinstance(names, list):
        result.problems.append(f"{url}: expected a list of file names.")
        return []
    good = [n for n in names if isinstance(n, str) and FILE_NAME.fullmatch(n)]
    if len(good) < len(names):
        result.problems.append(f"{url}: names other than test_summary_<setting>.yaml ignored.")
    return good[:MAX_LISTED]


def _core_summary(raw: bytes, name: str, url: str) -> Summary:
    data = parse_description_yaml(raw, file_name=name)
    setting = FILE_NAME.fullmatch(name)
    suffix = setting.group(1)[1:] if setting and setting.group(1) else None
    doc = CoreSummaryDoc.model_validate(data)
    return from_test_summary(doc, (url,), setting=suffix)


def _today(raw: bytes, url: str) -> list[Summary]:
    data = json.loads(raw)
    tests = data.get("tests") if isinstance(data, dict) else None
    if not isinstance(tests, dict):
        raise ValueError("it has no 'tests' mapping (tool → tool version → report)")
    checked = {
        tool: {version: ReportDoc.model_validate(r) for version, r in versions.items()}
        for tool, versions in tests.items()
        if isinstance(versions, dict)
    }
    return from_tests(checked, (url, "tests"))


def _read(folder: str, work: Path, policy: FetchPolicy, result: PullResult) -> list[Found]:
    out: list[Found] = []

    def keep(url: str, parse: Any, *args: Any) -> None:
        raw = _get(url, work, policy, result)
        if raw is None:
            return
        try:
            out.append(Found("", 0, url, tuple(parse(raw, *args))))
        except (HubError, Refused, ValidationError, ValueError) as exc:
            result.problems.append(f"{url}: refused: {str(exc)[:300]}")

    keep(folder + TODAY, _today, folder + TODAY)
    index = _get(folder + INDEX, work, policy, result)
    names = _listed(index, folder + INDEX, result) if index is not None else [DEFAULT]
    for name in names:
        keep(folder + name, lambda raw, n, u: [_core_summary(raw, n, u)], name, folder + name)
    return out


def pull(task: PullTask) -> PullResult:
    """Worker side: fetch and check every target's summaries."""
    result = PullResult()
    if task.base is None:
        return result
    with tempfile.TemporaryDirectory(prefix="modelhub-pull-") as tmp:
        for target in task.targets:
            folder = folder_url(task.base, target.resource_id, target.number)
            for found in _read(folder, Path(tmp), task.policy, result):
                result.found.append(
                    Found(target.resource_id, target.number, found.url, found.summaries)
                )
    result.problems = result.problems[:100]
    return result
