"""The account page: tokens are made and revoked on it; a new secret is shown once and works."""

from __future__ import annotations

import httpx

from tests.conftest import LiveServer, auth, make_user
from tests.functional.review_pages.common import Page, logged_in, post_form

PW = "a long enough password"


def test_tokens_are_made_shown_once_and_revoked(http: httpx.Client, server: LiveServer) -> None:
    make_user(server.hub, "mia", password=PW)
    other = make_user(server.hub, "otto", password=PW)
    away = http.get("/account")
    assert (away.status_code, away.headers["location"]) == (303, "/login?next=%2Faccount")

    with logged_in(server, "mia", PW) as mia:
        page = Page(mia.get("/account").text)
        for expected in ("Your account", "mia", "member", "API tokens", "Create a token"):
            assert expected in page.text
        assert "token-name" in page.labelled()
        for header in ("Name", "Created", "Last used", "Status"):
            assert header in page.text
        assert mia.post("/account/tokens", data={"name": "laptop"}).status_code == 403
        nameless = post_form(mia, "/account", "/account/tokens", name="  ")
        assert nameless.status_code == 400 and "Give the token a name" in nameless.text

        made = post_form(mia, "/account", "/account/tokens", name="laptop")
        assert made.status_code == 201 and made.headers["cache-control"] == "no-store"
        secret_field = Page(made.text).all("input", id="new-token")
        secret = str(secret_field[0]["value"])
        assert secret.startswith("mh_") and f"Authorization: Bearer {secret}" in made.text
        assert f"MODELHUB_TOKEN={secret}" in made.text
        assert http.get("/api/v1/me", headers=auth(secret)).json()["username"] == "mia"

        twin = mia.get("/account", params={"format": "json"})
        assert secret not in twin.text and secret not in mia.get("/account").text
        assert twin.json()["created"] is None and "<your token>" in twin.json()["usage"]["header"]
        laptop = next(t for t in twin.json()["tokens"] if t["name"] == "laptop")

        others = http.get("/api/v1/tokens", headers=auth(other)).json()[0]["id"]
        foreign = post_form(mia, "/account", f"/account/tokens/{others}/revoke")
        assert foreign.status_code == 404
        gone = post_form(mia, "/account", f"/account/tokens/{laptop['id']}/revoke")
        assert (gone.status_code, gone.headers["location"]) == (303, "/account?done=revoked")
        assert "The token was revoked" in mia.get("/account?done=revoked").text
        assert http.get("/api/v1/me", headers=auth(secret)).status_code == 401
        assert http.get("/api/v1/me", headers=auth(other)).status_code == 200
        revoked = mia.get("/account", params={"format": "json"}).json()["tokens"]
        assert next(t for t in revoked if t["id"] == laptop["id"])["revoked_at"] is not None
    # the login form still works, and logging out ends the session
    with logged_in(server, "mia", PW) as mia:
        out = post_form(mia, "/account", "/logout")
        assert out.status_code == 303 and mia.get("/account").status_code == 303
