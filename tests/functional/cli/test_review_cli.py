"""Every review action from the command line, as real subprocesses against a real server: the
same routes and rules as the API."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from modelhub.accounts.models import Role
from modelhub.cli.packing import zip_folder
from modelhub.demo.builder import build_package
from tests.conftest import LiveServer, changed_zip, make_user
from tests.functional.cli.common import run_cli

# SQLite only: the commands talk to the hub over HTTP, and the routes' database work is
# tested on both databases by the API tests
pytestmark = pytest.mark.once


def _json(server: LiveServer, *args: str, token: str) -> dict:  # type: ignore[type-arg]
    done = run_cli(server, *args, "--json", token=token)
    assert done.returncode == 0, (args, done.stdout, done.stderr)
    return json.loads(done.stdout)  # type: ignore[no-any-return]


def test_review_from_the_command_line(server: LiveServer, tmp_path: Path) -> None:
    uploader = make_user(server.hub, "ulla")
    reviewer = make_user(server.hub, "rita", Role.reviewer)
    admin = make_user(server.hub, "ada", Role.admin)
    make_user(server.hub, "mia")
    build_package("model-0.5-torchscript", tmp_path / "pkg", name="CLI review model")
    archive = zip_folder(tmp_path / "pkg", tmp_path / "pkg.zip")
    rid = _json(server, "upload", str(archive), token=uploader)["resource_id"]

    assert _json(server, "review", "submit", rid, "-m", "ready", token=uploader)["status"] == (
        "in_review"
    )
    queue = _json(server, "review", "queue", token=reviewer)
    assert [i["resource_id"] for i in queue] == [rid]
    refused = run_cli(server, "review", "queue", token=uploader)
    assert refused.returncode != 0 and "reviewers" in refused.stderr
    _json(server, "review", "comment", rid, "Please add **units**.", token=reviewer)
    back = _json(server, "review", "request-changes", rid, "-m", "Units missing.", token=reviewer)
    assert back["status"] == "changes_requested"
    shown = _json(server, "review", "show", rid, token=uploader)
    assert [e["kind"] for e in shown["thread"]] == ["event", "comment", "event"]
    assert shown["actions"] == ["submit", "withdraw", "comment"]
    text = run_cli(server, "review", "show", rid, token=uploader)
    assert "Units missing." in text.stdout and "changes_requested" in text.stdout
    _json(server, "review", "submit", rid, "--revision", "1", token=uploader)
    not_allowed = run_cli(server, "review", "approve", rid, "--override", "x", token=uploader)
    assert not_allowed.returncode != 0 and "reviewers" in not_allowed.stderr
    gated = run_cli(server, "review", "approve", rid, "--json", token=reviewer)
    assert json.loads(gated.stdout)["error"]["code"] == "check_not_passed"
    published = _json(
        server, "review", "approve", rid, "--override", "checked by hand", "--note", "first",
        token=reviewer,
    )  # fmt: skip
    assert (published["version"], published["change_note"]) == ("v1", "first")

    yanked = _json(server, "yank", rid, "v1", "--reason", "Wrong scale.", token=admin)
    assert yanked["yank_reason"] == "Wrong scale."
    assert _json(server, "unyank", rid, "v1", token=admin)["yanked_at"] is None
    history = run_cli(server, "review", "history", rid, token=uploader)
    assert history.returncode == 0
    assert [line.split()[3].rstrip(":") for line in history.stdout.splitlines()] == [
        "submit", "request_changes", "submit", "approve", "yank", "unyank",
    ]  # fmt: skip

    _json(server, "maintainers", "add", rid, "mia", token=admin)
    listed = run_cli(server, "maintainers", "list", rid, token=admin)
    assert listed.stdout.split() == ["mia", "ulla"]
    _json(server, "maintainers", "remove", rid, "mia", token=admin)

    # a changed package: an identical one is refused (the one this draft held is fine again
    # once the draft is withdrawn)
    changed = tmp_path / "changed.zip"
    changed.write_bytes(changed_zip(archive.read_bytes(), "Second try."))
    _json(server, "upload", str(changed), "--resource", rid, token=uploader)
    assert _json(server, "review", "withdraw", rid, token=uploader)["status"] == "withdrawn"
    other = _json(server, "upload", str(changed), token=uploader)["resource_id"]
    _json(server, "review", "submit", other, token=uploader)
    assert _json(server, "review", "reject", other, "-m", "Duplicate.", token=admin)["status"] == (
        "rejected"
    )
