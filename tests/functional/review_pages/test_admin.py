"""User administration on its page: roles and the active flag, never one's own."""

from __future__ import annotations

import httpx

from tests.conftest import LiveServer, auth, make_user
from tests.functional.review_pages.common import Page, logged_in, post_form

PW = "a long enough password"
ADMIN_PW = "correct horse battery"  # the admin_token fixture's account "ada"


def _user(http: httpx.Client, admin: str, name: str) -> dict[str, object]:
    users = http.get("/api/v1/users", headers=auth(admin)).json()
    found: dict[str, object] = next(u for u in users if u["username"] == name)
    return found


def test_admins_change_roles_and_status_but_not_their_own(
    http: httpx.Client, server: LiveServer, admin_token: str
) -> None:
    make_user(server.hub, "mia", password=PW)
    assert http.get("/admin/users").headers["location"] == "/login?next=%2Fadmin%2Fusers"
    with logged_in(server, "mia", PW) as mia:
        assert mia.get("/admin/users").status_code == 403
        assert post_form(mia, "/account", "/admin/users/mia", role="admin").status_code == 403

    with logged_in(server, "ada", ADMIN_PW) as ada:
        page = Page(ada.get("/admin/users").text)
        for header in ("Username", "E-mail", "Role", "Status", "Joined", "Change"):
            assert header in page.text
        assert {"role-mia", "active-mia"} <= page.labelled()
        assert "role-ada" not in page.labelled()
        assert "You cannot change your own role" in page.text
        assert ada.post("/admin/users/mia", data={"role": "reviewer"}).status_code == 403

        saved = post_form(ada, "/admin/users", "/admin/users/mia", role="reviewer", active="active")
        assert saved.headers["location"] == "/admin/users?done=saved&who=mia"
        assert "Saved the changes to mia." in ada.get(saved.headers["location"]).text
        mia_now = _user(http, admin_token, "mia")
        assert (mia_now["role"], mia_now["is_active"]) == ("reviewer", True)
        off = post_form(ada, "/admin/users", "/admin/users/mia", role="reviewer", active="inactive")
        assert off.status_code == 303 and _user(http, admin_token, "mia")["is_active"] is False
        twin = ada.get("/admin/users", params={"format": "json"}).json()
        assert {(u["username"], u["is_active"], u["is_you"]) for u in twin["users"]} == {
            ("ada", True, True),
            ("mia", False, False),
        }

        itself = post_form(ada, "/admin/users", "/admin/users/ada", role="member", active="active")
        assert itself.status_code == 409
        assert 'class="notice bad"' in itself.text
        assert "ada: You cannot change your own role" in Page(itself.text).text
        assert _user(http, admin_token, "ada")["role"] == "admin"
        wrong = post_form(ada, "/admin/users", "/admin/users/mia", role="owner")
        assert wrong.status_code == 400 and "member, reviewer or admin" in wrong.text
        assert (
            post_form(ada, "/admin/users", "/admin/users/nobody", role="member").status_code == 404
        )
    with httpx.Client(base_url=server.url) as browser:
        refused = post_form(browser, "/login", "/login", username="mia", password=PW)
        assert refused.status_code == 401  # a deactivated account cannot log in


def test_admins_add_users_who_can_then_log_in(
    http: httpx.Client, server: LiveServer, admin_token: str
) -> None:
    make_user(server.hub, "mia", password=PW)
    with logged_in(server, "mia", PW) as mia:
        refused = post_form(mia, "/account", "/admin/users", username="nia", password=PW)
        assert refused.status_code == 403
    with logged_in(server, "ada", ADMIN_PW) as ada:
        page = Page(ada.get("/admin/users").text)
        assert {"new-username", "new-email", "new-role", "new-password"} <= page.labelled()
        weak = post_form(ada, "/admin/users", "/admin/users", username="nia", password="short")
        assert weak.status_code == 400 and "at least 10 characters" in weak.text
        # what was typed comes back, never the password
        assert 'value="nia"' in weak.text and 'value="short"' not in weak.text
        added = post_form(
            ada, "/admin/users", "/admin/users", username="nia", role="reviewer", password=PW
        )
        assert added.headers["location"] == "/admin/users?done=added&who=nia"
        assert "Added the user nia." in ada.get(added.headers["location"]).text
        again = post_form(ada, "/admin/users", "/admin/users", username="nia", password=PW)
        assert again.status_code == 409 and "already taken" in again.text
    assert _user(http, admin_token, "nia")["role"] == "reviewer"
    with logged_in(server, "nia", PW) as nia:
        assert nia.get("/review").status_code == 200  # a reviewer now


def test_the_api_adds_users_for_admins_only(
    http: httpx.Client, server: LiveServer, admin_token: str
) -> None:
    member = make_user(server.hub, "mia")
    body = {"username": "ola", "email": "ola@example.org", "password": PW}
    assert http.post("/api/v1/users", json=body, headers=auth(member)).status_code == 403
    created = http.post("/api/v1/users", json=body, headers=auth(admin_token))
    assert created.status_code == 201 and created.json()["role"] == "member"
    assert "password" not in created.text
    weak = http.post(
        "/api/v1/users", json={"username": "pia", "password": "short"}, headers=auth(admin_token)
    )
    assert weak.status_code == 400 and weak.json()["error"]["code"] == "weak_password"
    bad = http.post("/api/v1/users", json={"username": "no spaces"}, headers=auth(admin_token))
    assert bad.status_code == 400 and bad.json()["error"]["code"] == "invalid_username"
