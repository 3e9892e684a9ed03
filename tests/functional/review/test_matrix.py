"""Who may do what: every review route by every role, each cell on a resource freshly put in the
state the route needs. Roles: anonymous, another member, the uploader, a maintainer added by an
admin, a reviewer, an admin."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import httpx
import pytest

from modelhub.accounts.models import Role
from tests.conftest import OVERRIDE, LiveServer, auth, changed_zip, make_user
from tests.functional.review.common import act, package, publish, upload

__all__ = ["package"]
ROLES = ("anonymous", "other", "uploader", "maintainer", "reviewer", "admin")


@dataclass(frozen=True)
class Cell:
    method: str
    path: str  # {rid} is replaced
    state: str  # draft | in_review | published | yanked
    expect: tuple[int, int, int, int, int, int]  # per ROLES
    body: Mapping[str, object] | None = None


MSG = {"message": "see the thread"}
ROUTES = {
    "review state": Cell("GET", "/api/v1/resources/{rid}/review", "draft",
                         (401, 404, 200, 200, 200, 200)),
    "submit": Cell("POST", "/api/v1/resources/{rid}/review/submit", "draft",
                   (401, 404, 200, 200, 403, 200)),
    "withdraw": Cell("POST", "/api/v1/resources/{rid}/review/withdraw", "in_review",
                     (401, 404, 200, 200, 403, 200)),
    "comment": Cell("POST", "/api/v1/resources/{rid}/review/comments", "in_review",
                    (401, 404, 201, 201, 201, 201), {"body": "a *note*"}),
    "read comments": Cell("GET", "/api/v1/resources/{rid}/review/comments", "in_review",
                          (401, 404, 200, 200, 200, 200)),
    "request changes": Cell("POST", "/api/v1/resources/{rid}/review/request-changes",
                            "in_review", (401, 404, 403, 403, 200, 200), MSG),
    "reject": Cell("POST", "/api/v1/resources/{rid}/review/reject", "in_review",
                   (401, 404, 403, 403, 200, 200), MSG),
    "approve": Cell("POST", "/api/v1/resources/{rid}/review/approve", "in_review",
                    (401, 404, 403, 403, 201, 201), OVERRIDE),
    "publish directly": Cell("POST", "/api/v1/resources/{rid}/publish", "draft",
                             (401, 403, 403, 403, 403, 201), OVERRIDE),
    "queue": Cell("GET", "/api/v1/review/queue", "in_review", (401, 403, 403, 403, 200, 200)),
    "history": Cell("GET", "/api/v1/resources/{rid}/history", "in_review",
                    (401, 404, 200, 200, 200, 200)),
    "draft file": Cell("GET", "/artifacts/{rid}/draft/files/rdf.yaml", "draft",
                       (404, 404, 200, 200, 200, 200)),
    "new version": Cell("POST", "/api/v1/uploads?resource_id={rid}", "published",
                        (401, 403, 201, 201, 403, 201)),
    "yank": Cell("POST", "/api/v1/resources/{rid}/versions/v1/yank", "published",
                 (401, 403, 403, 403, 403, 200), {"reason": "broken"}),
    "unyank": Cell("POST", "/api/v1/resources/{rid}/versions/v1/unyank", "yanked",
                   (401, 403, 403, 403, 403, 200)),
    "list maintainers": Cell("GET", "/api/v1/resources/{rid}/maintainers", "draft",
                             (401, 404, 200, 200, 200, 200)),
    "add maintainer": Cell("POST", "/api/v1/resources/{rid}/maintainers", "draft",
                           (401, 403, 403, 403, 403, 201), {"username": "oz"}),
    "remove maintainer": Cell("DELETE", "/api/v1/resources/{rid}/maintainers/mia", "draft",
                              (401, 403, 403, 403, 403, 204)),
    "list users": Cell("GET", "/api/v1/users", "draft", (401, 403, 403, 403, 403, 200)),
    "change a role": Cell("PATCH", "/api/v1/users/oz", "draft", (401, 403, 403, 403, 403, 200),
                          {"role": "reviewer"}),
}  # fmt: skip


def _prepare(http: httpx.Client, tokens: dict[str, str], pkg: bytes, state: str) -> str:
    # pkg: a changed package per role (the hub refuses one identical to what it holds)
    rid: str = upload(http, tokens["uploader"], pkg)["resource_id"]
    added = http.post(
        f"/api/v1/resources/{rid}/maintainers",
        json={"username": "mia"},
        headers=auth(tokens["admin"]),
    )
    assert added.status_code == 201, added.text
    if state == "in_review":
        act(http, tokens["uploader"], rid, "submit").raise_for_status()
    if state in ("published", "yanked"):
        publish(http, tokens["admin"], rid)
    if state == "yanked":
        http.post(
            f"/api/v1/resources/{rid}/versions/v1/yank",
            json={"reason": "x"},
            headers=auth(tokens["admin"]),
        ).raise_for_status()
    return rid


@pytest.mark.parametrize("route", sorted(ROUTES))
def test_route_by_role(route: str, http: httpx.Client, server: LiveServer, package: bytes) -> None:
    tokens = {
        "other": make_user(server.hub, "olga"),
        "uploader": make_user(server.hub, "ulla"),
        "maintainer": make_user(server.hub, "mia"),
        "reviewer": make_user(server.hub, "rita", Role.reviewer),
        "admin": make_user(server.hub, "ada", Role.admin),
    }
    make_user(server.hub, "oz")
    cell = ROUTES[route]
    seen = {}
    for role in ROLES:
        rid = _prepare(http, tokens, changed_zip(package, f"For {role}."), cell.state)
        headers = auth(tokens[role]) if role != "anonymous" else {}
        path = cell.path.format(rid=rid)
        if path.startswith("/api/v1/uploads"):
            headers["content-type"] = "application/zip"
            data = changed_zip(package, f"Again for {role}.")
            response = http.request(cell.method, path, content=data, headers=headers)
        else:
            response = http.request(cell.method, path, json=cell.body, headers=headers)
        seen[role] = response.status_code
        if response.status_code >= 400 and "json" in response.headers.get("content-type", ""):
            assert response.json()["error"]["message"], response.text  # said in plain words
    assert tuple(seen[r] for r in ROLES) == cell.expect, seen
