"""Partner review duty: a partner's maintainers (plain members) review the drafts that claim
compatibility with their partner, and only those; the hub's reviewers keep reviewing all."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import httpx
import pytest
import yaml

from modelhub.accounts.models import Role
from modelhub.cli.packing import zip_folder
from modelhub.demo.builder import build_package
from tests.conftest import OVERRIDE, LiveServer, auth, make_user
from tests.functional.partners.common import make_partner
from tests.functional.review.common import act, error_code, upload
from tests.functional.review_pages.common import Page, logged_in

PARTNER = "lab-tools"
PASSWORD = "partner review password"


def _zip(root: Path, name: str, **changes: Any) -> bytes:
    """A small real model package whose rdf.yaml gets ``changes`` (tags, links, config)."""
    folder = root / name
    build_package("model-0.5-torchscript", folder, name=name)
    rdf_path = folder / "rdf.yaml"
    rdf = yaml.safe_load(rdf_path.read_text())
    for key, value in changes.items():
        rdf[key] = {**rdf.get(key, {}), **value} if key == "config" else value
    rdf_path.write_text(yaml.safe_dump(rdf, sort_keys=False))
    return zip_folder(folder, root / f"{name}.zip").read_bytes()


@pytest.fixture(scope="module")
def packages(tmp_path_factory: pytest.TempPathFactory) -> dict[str, bytes]:
    root = tmp_path_factory.mktemp("duty-pkgs")
    return {
        "claims": _zip(root, "Claims lab tools", tags=["segmentation", "Lab-Tools"]),
        "other": _zip(root, "Claims nothing", tags=["segmentation"]),
    }


class People:
    """The people of these tests and their two submitted drafts."""

    def __init__(self, http: httpx.Client, server: LiveServer, packages: dict[str, bytes]):
        self.admin = make_user(server.hub, "ada", Role.admin)
        self.pia = make_user(server.hub, "pia", Role.member, password=PASSWORD)
        self.reviewer = make_user(server.hub, "rex", Role.reviewer)
        self.uploader = make_user(server.hub, "uwe", Role.member)
        make_partner(http, member=self.pia, admin=self.admin, partner_id=PARTNER)
        self.claims = upload(http, self.uploader, packages["claims"])["resource_id"]
        self.other = upload(http, self.uploader, packages["other"])["resource_id"]
        for rid in (self.claims, self.other):
            act(http, self.uploader, rid, "submit").raise_for_status()


@pytest.fixture
def people(http: httpx.Client, server: LiveServer, packages: dict[str, bytes]) -> People:
    return People(http, server, packages)


def _queue(http: httpx.Client, token: str, **params: str) -> httpx.Response:
    return http.get("/api/v1/review/queue", params=params, headers=auth(token))


def test_a_partner_maintainer_approves_a_draft_claiming_their_partner(
    http: httpx.Client, people: People
) -> None:
    rid = people.claims
    notes = http.get("/api/v1/notifications", headers=auth(people.pia)).json()
    assert any(n["kind"] == "review.submit" and rid in n["subject"] for n in notes)
    state = http.get(f"/api/v1/resources/{rid}/review", headers=auth(people.pia))
    assert state.status_code == 200, state.text
    assert {"approve", "request_changes", "reject", "comment"} <= set(state.json()["actions"])
    # the draft's files, for the review
    assert http.get(f"/artifacts/{rid}/draft/files/rdf.yaml", headers=auth(people.pia)).is_success
    said = http.post(
        f"/api/v1/resources/{rid}/review/comments", json={"body": "Runs in Lab Tools."},
        headers=auth(people.pia),
    )  # fmt: skip
    assert said.status_code == 201, said.text
    approved = act(http, people.pia, rid, "approve", **OVERRIDE)
    assert approved.status_code == 201, approved.text
    assert approved.json()["status"] == "published"
    history = http.get(f"/api/v1/resources/{rid}/history", headers=auth(people.admin)).json()
    assert history[-1]["action"] == "approve" and history[-1]["actor"] == "pia"


def test_a_partner_maintainer_is_refused_on_other_drafts(
    http: httpx.Client, people: People
) -> None:
    rid = people.other
    for refused in (
        act(http, people.pia, rid, "approve", **OVERRIDE),
        act(http, people.pia, rid, "request_changes", message="no"),
        http.post(f"/api/v1/resources/{rid}/review/comments", json={"body": "hm"},
                  headers=auth(people.pia)),
        http.get(f"/api/v1/resources/{rid}/review", headers=auth(people.pia)),
    ):  # fmt: skip
        assert refused.status_code == 403, refused.text
        assert error_code(refused) == "not_partner_review"
        assert "'lab-tools'" in refused.json()["error"]["message"]
    hidden = http.get(f"/artifacts/{rid}/draft/files/rdf.yaml", headers=auth(people.pia))
    assert hidden.status_code == 404
    assert act(http, people.uploader, rid, "approve", **OVERRIDE).status_code == 403
    # the hub's reviewers review everything, claims or not
    assert act(http, people.reviewer, rid, "approve", **OVERRIDE).status_code == 201


def test_the_queue_lists_only_their_partners_drafts(
    http: httpx.Client, server: LiveServer, people: People
) -> None:
    for params in ({}, {"partner": PARTNER}):
        mine = _queue(http, people.pia, **params)
        assert mine.status_code == 200, mine.text
        assert [(i["resource_id"], i["partners"]) for i in mine.json()] == [
            (people.claims, [PARTNER])
        ]
    assert error_code(_queue(http, people.pia, partner="somebody-else")) == "not_partner_review"
    assert _queue(http, people.uploader).status_code == 403
    everything = {i["resource_id"]: i["partners"] for i in _queue(http, people.reviewer).json()}
    assert everything == {people.claims: [PARTNER], people.other: []}
    with logged_in(server, "pia", PASSWORD) as browser:
        page = browser.get("/review", params={"partner": PARTNER})
        assert page.status_code == 200
        text = Page(page.text).text
        assert "Review queue for lab-tools" in text and "Claims lab tools" in text
        assert "Claims nothing" not in text
        twin = browser.get("/review", params={"format": "json"}).json()
        assert [i["resource_id"] for i in twin["items"]] == [people.claims]
        assert twin["partners"] == [PARTNER]
        desk = Page(browser.get(f"/review/{people.claims}").text)
        assert "you review it as its maintainer" in desk.text
        assert desk.all("form", action=f"/review/{people.claims}/actions/approve")
        assert browser.get(f"/review/{people.other}").status_code == 403
