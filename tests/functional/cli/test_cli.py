"""The CLI contract, run as real subprocesses against a real server."""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path

import pytest

from tests.conftest import LiveServer
from tests.functional.cli.common import run_cli

# SQLite only: uploads, publication and downloads go over HTTP (the API tests run them on both
# databases); `users create` is the accounts service, tested on both in tests/unit/accounts
pytestmark = pytest.mark.once


@pytest.fixture
def cli_admin(server: LiveServer) -> str:
    done = run_cli(server, "users", "create", "root", "--role", "admin")
    assert done.returncode == 0, done.stderr
    return done.stdout.strip().splitlines()[-1]


def test_users_create_prints_token_last(server: LiveServer, cli_admin: str) -> None:
    assert cli_admin.startswith("mh_")
    again = run_cli(server, "users", "create", "root", "--json")
    assert again.returncode != 0
    assert json.loads(again.stdout)["error"]["code"] == "username_taken"


def test_upload_publish_download_roundtrip(
    server: LiveServer, cli_admin: str, shared_model_dir: Path, tmp_path: Path
) -> None:
    pkg = tmp_path / "pkg"
    shutil.copytree(shared_model_dir, pkg)
    up = run_cli(server, "upload", str(pkg), token=cli_admin)
    assert up.returncode == 0, up.stderr
    line = up.stdout.strip()
    assert "\n" not in line and line.split()[-2] == "of", line
    rid = line.split()[-1]
    pub = run_cli(
        server, "publish", rid, "--override", "not checked here", "--json", token=cli_admin
    )
    assert pub.returncode == 0, pub.stderr
    assert json.loads(pub.stdout)["version"] == "v1"
    out = tmp_path / "out"
    down = run_cli(server, "download", rid, "--version", "v1", "-o", str(out))
    assert down.returncode == 0, down.stderr
    assert re.match(rf"{rid} v1: \d+ files, [\d.]+ (bytes|kB|MB) in\n", down.stdout), down.stdout
    assert (out / "weights.onnx").read_bytes() == (shared_model_dir / "weights.onnx").read_bytes()
    assert (out / "rdf.yaml").is_file()


def test_refusals_exit_non_zero_with_the_servers_message(
    server: LiveServer, cli_admin: str, shared_model_dir: Path, tmp_path: Path
) -> None:
    pkg = tmp_path / "pkg"
    shutil.copytree(shared_model_dir, pkg)
    text = (pkg / "bioimageio.yaml").read_text().replace("license: MIT", "license: my-own-terms")
    (pkg / "bioimageio.yaml").write_text(text)
    up = run_cli(server, "upload", str(pkg), "--json", token=cli_admin)
    assert up.returncode != 0
    error = json.loads(up.stdout)["error"]
    assert any(d["loc"] == ["license"] for d in error["details"]), error
    offline = run_cli(server, "validate", str(pkg))
    assert offline.returncode != 0 and "license" in offline.stderr
    missing = run_cli(server, "publish", "no-such-model", token=cli_admin)
    assert missing.returncode != 0 and "no-such-model" in missing.stderr
    nobody = run_cli(server, "publish", "no-such-model")
    assert nobody.returncode != 0


def test_validate_accepts_the_shared_package(server: LiveServer, shared_model_dir: Path) -> None:
    done = run_cli(server, "validate", str(shared_model_dir), "--json")
    assert done.returncode == 0, done.stdout + done.stderr
    assert json.loads(done.stdout)["valid"] is True
