"""The report a worker hands back: frozen, across Dask by pickle, into JSON and back, and a job
row copy that stays within what jobs keep."""

from __future__ import annotations

import dataclasses
import json
import pickle

import cloudpickle
import pytest

from modelhub.checks.outcome import LOG_LIMIT, REASON_LIMIT, CheckReport, FormatReport
from modelhub.checks.verdict import CheckOutcome, FormatResult, combine
from modelhub.jobs.service import MAX_RESULT_CHARS, small_json


def _report() -> CheckReport:
    outcome = CheckOutcome(
        status="error",
        reason=None,
        log="=== onnx ===\nimported torch\n",
        duration_s=12.5,
        library_versions={"bioimageio.core": "0.9.0", "bioimageio.spec": "0.5.4"},
    )
    outcome.formats["onnx"] = FormatResult(
        "passed",
        None,
        3.25,
        {"status": "passed", "details": [{"name": "run", "status": "passed"}]},
        outputs={"output0": {"mismatched": 0, "rtol": 1e-4}},
    )
    outcome.formats["torchscript"] = FormatResult("failed", "output differs", 2.0, None)
    return CheckReport.of(combine(outcome))


def test_the_runner_outcome_is_frozen_as_it_was() -> None:
    report = _report()
    assert report.status == "failed" and report.error_kind is None
    assert report.reason == "Weight format 'torchscript' failed: output differs."
    assert report.formats["onnx"].outputs == {"output0": {"mismatched": 0, "rtol": 1e-4}}
    assert report.formats["onnx"].summary is not None
    assert report.library_versions["bioimageio.core"] == "0.9.0"
    with pytest.raises(dataclasses.FrozenInstanceError):
        report.status = "passed"  # type: ignore[misc]


@pytest.mark.parametrize("dumps", [pickle.dumps, cloudpickle.dumps])
def test_it_pickles_as_dask_sends_it(dumps: object) -> None:
    report = _report()
    assert pickle.loads(dumps(report)) == report  # type: ignore[operator]  # noqa: S301


def test_json_round_trip() -> None:
    report = _report()
    data = report.to_json()
    assert CheckReport.from_json(json.loads(json.dumps(data))) == report


def test_an_unknown_status_is_not_a_report() -> None:
    data = _report().to_json()
    with pytest.raises(ValueError, match="not a check report"):
        CheckReport.from_json({**data, "status": "fine"})
    with pytest.raises(ValueError, match="not a check report"):
        CheckReport.from_json({**data, "status": "error", "error_kind": "bad luck"})


def test_the_job_keeps_a_small_copy() -> None:
    kept = small_json(_report())
    assert kept == {
        "status": "failed",
        "reason": "Weight format 'torchscript' failed: output differs.",
        "error_kind": None,
        "duration_s": 12.5,
        "library_versions": {"bioimageio.core": "0.9.0", "bioimageio.spec": "0.5.4"},
        "formats": {
            "onnx": {"status": "passed", "reason": None},
            "torchscript": {"status": "failed", "reason": "output differs"},
        },
    }


def test_the_copy_fits_whatever_the_package_wrote() -> None:
    huge = "x" * 100_000
    report = CheckReport(
        status="failed",
        reason=huge,
        formats={f"format-{n}-{huge[:200]}": FormatReport("failed", huge) for n in range(100)},
        log=huge,
    )
    kept = small_json(report)
    assert kept is not None and len(json.dumps(kept)) <= MAX_RESULT_CHARS
    assert kept["formats_omitted"] == 100 and len(kept["reason"]) == REASON_LIMIT


def test_the_log_is_cut_on_the_worker() -> None:
    outcome = CheckOutcome(status="error", reason="x", log="y" * (LOG_LIMIT + 10))
    assert len(CheckReport.of(outcome).log) == LOG_LIMIT


def test_a_check_without_sandbox_says_why() -> None:
    report = CheckReport.not_run("no bubblewrap", "sandbox_unavailable")
    assert (report.status, report.error_kind, dict(report.formats)) == (
        "error",
        "sandbox_unavailable",
        {},
    )


def test_nothing_to_test_is_an_error_of_its_own_kind() -> None:
    report = CheckReport.of(combine(CheckOutcome(status="error", reason=None)))
    assert (report.status, report.error_kind) == ("error", "nothing_to_test")
