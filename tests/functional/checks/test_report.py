"""The hub writes a worker's report once: applying the same report again (a result handed in
twice) changes nothing, and neither does a later failure of the same check."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import httpx

from modelhub.checks.limits import SandboxLimits
from modelhub.checks.outcome import CheckReport, FormatReport
from modelhub.checks.tasks import CheckSettings, make_kind
from modelhub.db import transaction
from modelhub.demo.builder import build_package, zip_package
from modelhub.storage.factory import describe_storage
from tests.conftest import LiveServer, auth

REPORT = CheckReport(
    status="failed",
    reason="Weight format 'torchscript' failed: output differs.",
    formats={
        "onnx": FormatReport("passed", None, 1.5, outputs={"out": {"mismatched": 0}}),
        "torchscript": FormatReport("failed", "output differs", 2.0, summary={"status": "x"}),
    },
    log="=== onnx ===\nran\n",
    duration_s=4.0,
    library_versions={"bioimageio.core": "0.9.0", "bioimageio.spec": "0.5.4"},
)


def _state(http: httpx.Client, token: str, check_id: int) -> tuple[dict[str, Any], int]:
    run = http.get(f"/api/v1/checks/{check_id}", headers=auth(token)).json()
    notes = http.get("/api/v1/notifications", headers=auth(token)).json()
    return run, len(notes)


def test_the_same_report_applied_twice_changes_nothing(
    server: LiveServer, http: httpx.Client, admin_token: str, tmp_path: Path
) -> None:
    built = build_package("dataset-0.5", tmp_path / "pkg")
    archive = zip_package(built, tmp_path / "pkg.zip").read_bytes()
    up = http.post(
        "/api/v1/uploads",
        content=archive,
        headers={**auth(admin_token), "content-type": "application/zip"},
    )
    assert up.status_code == 201, up.text
    check_id = up.json()["check_id"]
    settings = server.hub.settings
    kind = make_kind(
        CheckSettings(
            storage=describe_storage(settings),
            limits=SandboxLimits(),
            scratch_root=tmp_path / "scratch",
            hidden_paths=(),
            allow_unsandboxed=False,
        )
    )
    payload = {"check_run_id": check_id}
    with transaction(server.hub.sessions) as db:
        kind.apply(db, payload, REPORT)
    run, notes = _state(http, admin_token, check_id)
    assert run["status"] == "failed" and run["reason"] == REPORT.reason
    assert run["formats"]["onnx"]["outputs"] == {"out": {"mismatched": 0}}
    assert run["formats"]["torchscript"]["reason"] == "output differs"
    assert run["library_versions"] == dict(REPORT.library_versions)
    assert notes == 1  # the uploader is told once
    with transaction(server.hub.sessions) as db:
        kind.apply(db, payload, REPORT)
    assert _state(http, admin_token, check_id) == (run, notes)
    with transaction(server.hub.sessions) as db:
        kind.apply(db, payload, CheckReport(status="passed"))
        assert kind.fail is not None
        kind.fail(db, payload, "the worker died")
    assert _state(http, admin_token, check_id) == (run, notes)
