"""Separation of duties: nobody approves a revision they uploaded, reviewers and admins included,
with or without an override reason, on the API, the direct publication and the desk; a hub
setting allows it for one-person hubs."""

from __future__ import annotations

import httpx
import pytest

from modelhub.accounts.models import Role
from modelhub.catalog.models import ResourceVersion, VersionStatus
from modelhub.config import Settings
from tests.conftest import OVERRIDE, LiveServer, auth, make_user
from tests.functional.review.common import act, error_code, package, upload
from tests.functional.review_pages.common import Page, csrf_of, logged_in

__all__ = ["package"]  # the fixture is used by name

OWN = "another reviewer or admin must approve it (nobody approves their own upload)."


@pytest.fixture(autouse=True)
def _default_rule(server: LiveServer) -> None:
    """The hub's default, which the shared test settings relax for other tests."""
    assert Settings.model_fields["allow_self_approval"].default is False
    server.hub.settings.allow_self_approval = False


def _status(server: LiveServer, rid: str) -> list[tuple[int, VersionStatus, int | None]]:
    with server.hub.sessions() as db:
        rows = db.query(ResourceVersion).filter_by(resource_id=rid).order_by("revision")
        return [(v.revision, v.status, v.number) for v in rows]


@pytest.mark.parametrize("role", [Role.reviewer, Role.admin])
def test_nobody_approves_their_own_upload(
    http: httpx.Client, server: LiveServer, package: bytes, role: Role
) -> None:
    own = make_user(server.hub, "uma", role)
    other = make_user(server.hub, "rex", Role.reviewer)
    rid = upload(http, own, package)["resource_id"]
    act(http, own, rid, "submit").raise_for_status()
    state = http.get(f"/api/v1/resources/{rid}/review", headers=auth(own)).json()
    assert "approve" not in state["actions"]
    assert state["withheld"]["approve"].endswith(OWN)
    for body in ({}, OVERRIDE):  # an override reason lifts the check gate, not this rule
        refused = act(http, own, rid, "approve", **body)
        assert refused.status_code == 403 and error_code(refused) == "own_upload"
        assert refused.json()["error"]["message"].endswith(OWN)
    if role is Role.admin:
        direct = http.post(f"/api/v1/resources/{rid}/publish", json=OVERRIDE, headers=auth(own))
        assert direct.status_code == 403 and error_code(direct) == "own_upload"
    assert _status(server, rid) == [(1, VersionStatus.in_review, None)]
    # someone else may: the state offers it to them and approval publishes v1
    theirs = http.get(f"/api/v1/resources/{rid}/review", headers=auth(other)).json()
    assert "approve" in theirs["actions"] and theirs["withheld"] == {}
    assert act(http, other, rid, "approve", **OVERRIDE).status_code == 201
    assert _status(server, rid) == [(1, VersionStatus.published, 1)]


def test_the_desk_says_why_approval_is_missing(
    http: httpx.Client, server: LiveServer, package: bytes
) -> None:
    own = make_user(server.hub, "uma", Role.reviewer, password="a long passphrase")
    rid = upload(http, own, package)["resource_id"]
    act(http, own, rid, "submit").raise_for_status()
    with logged_in(server, "uma", "a long passphrase") as browser:
        desk = browser.get(f"/review/{rid}")
        assert desk.status_code == 200
        page = Page(desk.text)
        assert page.all("form", action=f"/review/{rid}/actions/approve") == []
        assert len(page.all("form", action=f"/review/{rid}/actions/reject")) == 1
        assert f"Approve: You uploaded this revision, so {OWN}" in page.text
        forced = browser.post(
            f"/review/{rid}/actions/approve",
            data={"csrf": csrf_of(desk.text), "revision": "1", "override_reason": "urgent"},
        )
        assert forced.status_code == 403
        assert f"so {OWN}" in Page(forced.text).text
    assert _status(server, rid) == [(1, VersionStatus.in_review, None)]


def test_a_one_person_hub_may_allow_it(
    http: httpx.Client, server: LiveServer, admin_token: str, package: bytes
) -> None:
    server.hub.settings.allow_self_approval = True
    rid = upload(http, admin_token, package)["resource_id"]
    published = http.post(
        f"/api/v1/resources/{rid}/publish", json=OVERRIDE, headers=auth(admin_token)
    )
    assert published.status_code == 201, published.text
    assert _status(server, rid) == [(1, VersionStatus.published, 1)]
