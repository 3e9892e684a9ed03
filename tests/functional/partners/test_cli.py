"""``modelhub partners add | show | list`` as a real subprocess on the hub's database."""

from __future__ import annotations

import json

import httpx
import pytest

from modelhub.accounts import service as accounts
from modelhub.db import transaction
from tests.conftest import LiveServer, make_user
from tests.functional.cli.common import run_cli

# SQLite only: the commands call the partner services, tested on both databases in
# tests/unit/partners and tests/functional/partners
pytestmark = pytest.mark.once

COLLECTION = "https://lab.example.org/collection.yaml"


def test_add_show_and_list(server: LiveServer, http: httpx.Client) -> None:
    make_user(server.hub, "mo")
    with transaction(server.hub.sessions) as db:
        accounts.create_user(db, username="nia", email="nia@lab.example.org")
    added = run_cli(server, "partners", "add", "lab", "--collection", COLLECTION,
                    "--maintainer", "mo", "--maintainer", "NIA@lab.example.org",
                    "--name", "The Lab")  # fmt: skip
    assert added.returncode == 0, added.stderr
    assert added.stdout == f"added partner lab (The Lab), collection {COLLECTION}\n"
    detail = http.get("/api/v1/partners/lab").json()
    assert (detail["name"], detail["maintainers"]) == ("The Lab", ["mo", "nia"])

    shown = run_cli(server, "partners", "show", "lab", "--json")
    assert shown.returncode == 0, shown.stderr
    data = json.loads(shown.stdout)
    assert (data["id"], data["collection_url"], data["entries"], data["resources"]) == (
        "lab", COLLECTION, [], [],
    )  # fmt: skip
    assert (data["sync"]["last_attempt_at"], data["sync"]["last_success_at"]) == (None, None)
    text = run_cli(server, "partners", "show", "lab").stdout.splitlines()
    assert text == [
        "lab: The Lab",
        f"collection: {COLLECTION}",
        "test summaries: -",
        "maintainers: mo, nia",
        "last attempt: never",
        "last success: never",
        "entries: none (the collection has not been synced yet)",
        "resources: none",
    ]
    listed = run_cli(server, "partners", "list", "--json")
    assert [(p["id"], p["name"]) for p in json.loads(listed.stdout)] == [("lab", "The Lab")]
    applications = http.get("/api/v1/partners/applications")  # anonymous: refused
    assert applications.status_code == 401


def test_refusals(server: LiveServer) -> None:
    assert run_cli(server, "partners", "list").stdout == "no partners\n"
    unknown = run_cli(server, "partners", "add", "lab", "--collection", COLLECTION,
                      "--maintainer", "zed", "--json")  # fmt: skip
    assert unknown.returncode == 1
    assert json.loads(unknown.stdout)["error"]["code"] == "unknown_account"
    bad = run_cli(server, "partners", "add", "Lab", "--collection", COLLECTION, "--json")
    assert json.loads(bad.stdout)["error"]["code"] == "invalid_partner_id"
    url = run_cli(server, "partners", "add", "lab", "--collection", "ftp://x/c.yaml", "--json")
    assert json.loads(url.stdout)["error"]["code"] == "invalid_url"
    assert run_cli(server, "partners", "add", "lab", "--collection", COLLECTION).returncode == 0
    again = run_cli(server, "partners", "add", "lab", "--collection", COLLECTION, "--json")
    assert (again.returncode, json.loads(again.stdout)["error"]["code"]) == (1, "partner_id_taken")
    missing = run_cli(server, "partners", "show", "nope")
    assert (missing.returncode, missing.stderr.strip()) == (
        1, "Error: There is no partner 'nope'.",
    )  # fmt: skip
