"""The whole check flow on real parts: upload over HTTP → the check job on a real Dask
LocalCluster → the package's code in the real bubblewrap sandbox → results in the API, the CLI's
JSON, the resource page, the uploader's notifications and an e-mail on a real SMTP server."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from modelhub.cli.packing import zip_folder
from modelhub.demo.builder import build_package
from modelhub.hub import Hub
from modelhub.jobs.dispatcher import Dispatcher
from tests.conftest import LiveServer, auth
from tests.inbox import Inbox, inbox
from tests.waiting import eventually

__all__ = ["inbox"]

# SQLite only: the Dask workers and the sandbox are the same on both databases; the flow's
# database work is tested on both: jobs claimed and retried (tests/functional/jobs), a report
# applied once with its notification (test_report.py), check runs listed and asked for
# (tests/functional/api/test_namespaced_ids.py)
pytestmark = [pytest.mark.slow, pytest.mark.once]


@pytest.fixture
def checking_server(
    server: LiveServer, inbox: tuple[Inbox, int], tmp_path: Path
) -> Iterator[tuple[LiveServer, Dispatcher]]:
    from modelhub.wiring import register_job_kinds, start_dispatcher, warm_workers

    _, port = inbox
    settings = server.hub.settings
    settings.smtp_host = "127.0.0.1"
    settings.smtp_port = port
    settings.check_timeout_s = 240
    settings.check_scratch_dir = tmp_path / "scratch"
    register_job_kinds(server.hub)  # again, with the SMTP server and limits set above
    dispatcher = start_dispatcher(server.hub)
    warm_workers(server.hub)
    yield server, dispatcher
    dispatcher.stop()
    server.hub.jobs = None


def _upload(http: httpx.Client, token: str, folder: Path, tmp: Path) -> dict[str, Any]:
    archive = zip_folder(folder, tmp / f"{folder.name}.zip")
    r = http.post(
        "/api/v1/uploads",
        content=archive.read_bytes(),
        headers={**auth(token), "content-type": "application/zip"},
    )
    assert r.status_code == 201, r.text
    body: dict[str, Any] = r.json()
    return body


def _wait_check(http: httpx.Client, token: str, check_id: int) -> dict[str, Any]:
    def finished() -> dict[str, Any] | None:
        run: dict[str, Any] = http.get(f"/api/v1/checks/{check_id}", headers=auth(token)).json()
        return run if run["status"] in ("passed", "failed", "error") else None

    return eventually(finished, timeout=300, interval=0.5, what=f"check {check_id} finished")


def _set_email(hub: Hub, username: str, email: str) -> None:
    from modelhub.accounts import service as accounts
    from modelhub.db import transaction

    with transaction(hub.sessions) as db:
        accounts.get_user(db, username=username).email = email


def test_upload_is_checked_in_the_sandbox_and_people_are_told(
    checking_server: tuple[LiveServer, Dispatcher],
    http: httpx.Client,
    member_token: str,
    inbox: tuple[Inbox, int],
    tmp_path: Path,
) -> None:
    server, _ = checking_server
    _set_email(server.hub, "mo", "mo@example.org")
    built = build_package("model-0.5-state-dict", tmp_path / "src", seed=5)
    up = _upload(http, member_token, built.root, tmp_path)
    run = _wait_check(http, member_token, up["check_id"])
    assert run["status"] == "passed", run
    assert set(run["formats"]) == {"pytorch_state_dict", "torchscript", "onnx"}
    assert all(f["status"] == "passed" for f in run["formats"].values())
    # each format was judged outside its sandbox, on its outputs
    assert {f["decided_by"] for f in run["formats"].values()} == {"judge"}
    for result in run["formats"].values():
        assert [o["mismatched"] for o in result["outputs"].values()] == [0]
    assert "bioimageio.core" in run["library_versions"]
    listed = http.get(
        f"/api/v1/resources/{up['resource_id']}/versions/draft/checks", headers=auth(member_token)
    ).json()
    assert [c["id"] for c in listed] == [run["id"]]
    page = http.get(f"/resources/{up['resource_id']}", headers=auth(member_token)).text
    assert "status-passed" in page and "pytorch_state_dict" in page
    notes = http.get("/api/v1/notifications", headers=auth(member_token)).json()
    assert any("passed" in n["subject"] and n["kind"] == "check.finished" for n in notes)
    handler, _ = inbox
    mail = eventually(lambda: handler.messages, timeout=60, what="an e-mail arrived")[0]
    assert mail["To"] == "mo@example.org" and "passed" in mail["Subject"]


def test_mismatching_output_fails_with_the_reason(
    checking_server: tuple[LiveServer, Dispatcher],
    http: httpx.Client,
    admin_token: str,
    tmp_path: Path,
) -> None:
    import hashlib

    import numpy as np
    import yaml

    built = build_package("model-0.5-torchscript", tmp_path / "src", seed=2)
    out = built.root / "test_output.npy"
    np.save(out, np.load(out) + 0.5)
    rdf_path = built.root / "rdf.yaml"
    rdf = yaml.safe_load(rdf_path.read_text())
    rdf["outputs"][0]["test_tensor"]["sha256"] = hashlib.sha256(out.read_bytes()).hexdigest()
    rdf_path.write_text(yaml.safe_dump(rdf, sort_keys=False))
    up = _upload(http, admin_token, built.root, tmp_path)
    run = _wait_check(http, admin_token, up["check_id"])
    assert run["status"] == "failed", run
    reason = run["formats"]["torchscript"]["reason"] or ""
    assert reason and "differ" in reason.lower(), run


def test_recheck_keeps_history(
    checking_server: tuple[LiveServer, Dispatcher],
    http: httpx.Client,
    admin_token: str,
    member_token: str,
    shared_model_dir: Path,
    tmp_path: Path,
) -> None:
    work = tmp_path / "unet"
    shutil.copytree(shared_model_dir, work)
    up = _upload(http, admin_token, work, tmp_path)
    first = _wait_check(http, admin_token, up["check_id"])
    assert first["status"] == "passed", first
    rid = up["resource_id"]
    # the check passed: no override reason is needed
    http.post(f"/api/v1/resources/{rid}/publish", headers=auth(admin_token)).raise_for_status()
    stranger = http.post(f"/api/v1/resources/{rid}/checks", headers=auth(member_token))
    assert stranger.status_code == 403
    again = http.post(f"/api/v1/resources/{rid}/checks", headers=auth(admin_token))
    assert again.status_code == 202
    second = _wait_check(http, admin_token, again.json()["id"])
    assert second["status"] == "passed"
    runs = http.get(f"/api/v1/resources/{rid}/versions/v1/checks").json()
    assert [r["id"] for r in runs] == [second["id"], first["id"]]
    # the CLI shows the same results
    env = {k: v for k, v in os.environ.items() if not k.startswith("MODELHUB_")}
    env["MODELHUB_URL"] = checking_server[0].url
    cli = Path(sys.executable).parent / "modelhub"
    shown = subprocess.run(
        [str(cli), "checks", rid, "--json"],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert shown.returncode == 0, shown.stderr
    assert [r["id"] for r in json.loads(shown.stdout)] == [second["id"], first["id"]]
    human = subprocess.run(
        [str(cli), "checks", rid], env=env, capture_output=True, text=True, timeout=120, check=False
    )
    assert "onnx: passed" in human.stdout and "torchscript: passed" in human.stdout


FORGER = """
        import io, json, numpy
        args = open("/proc/self/cmdline", "rb").read().split(b"\\0")
        fd = int(args[args.index(b"--out-fd") + 1])
        for kind, name, payload in [
            ("tensor", "actual_output_{member}_pytorch_state_dict.npy", b""),
            ("summary", "summary", json.dumps({{"status": "passed", "details": []}}).encode()),
        ]:
            if kind == "tensor":
                out = io.BytesIO()
                numpy.save(out, numpy.zeros((1, 1, 64, 64), dtype="float32"))
                payload = out.getvalue()
            header = json.dumps({{"kind": kind, "name": name, "size": len(payload)}}).encode()
            os.write(fd, header + b"\\n" + payload)
        os._exit(0)
"""


def test_forged_verdict_fails_and_cannot_be_approved_without_override(
    checking_server: tuple[LiveServer, Dispatcher],
    http: httpx.Client,
    admin_token: str,
    tmp_path: Path,
) -> None:
    """The package's code finds the output pipe on its command line and writes a "passed"
    summary and an output of its own: the judge compares that output, and approval then
    needs an override reason."""
    import hashlib

    import yaml

    built = build_package("model-0.5-state-dict", tmp_path / "src", seed=7)
    rdf_path = built.root / "rdf.yaml"
    rdf = yaml.safe_load(rdf_path.read_text())
    source = built.root / "tiny_net.py"
    init = "        super().__init__()\n"
    body = FORGER.format(member=rdf["outputs"][0]["id"])
    source.write_text("import os\n" + source.read_text().replace(init, init + body, 1))
    weights = rdf["weights"]["pytorch_state_dict"]
    weights["architecture"]["sha256"] = hashlib.sha256(source.read_bytes()).hexdigest()
    rdf["weights"] = {"pytorch_state_dict": weights}
    rdf_path.write_text(yaml.safe_dump(rdf, sort_keys=False))
    up = _upload(http, admin_token, built.root, tmp_path)
    run = _wait_check(http, admin_token, up["check_id"])
    assert run["status"] == "failed", run
    result = run["formats"]["pytorch_state_dict"]
    assert result["decided_by"] == "judge"
    assert result["reason"].startswith("output differs from the test output: 4096 of 4096")
    refused = http.post(f"/api/v1/resources/{up['resource_id']}/publish", headers=auth(admin_token))
    assert refused.status_code == 409
    assert refused.json()["error"]["code"] == "check_not_passed"
