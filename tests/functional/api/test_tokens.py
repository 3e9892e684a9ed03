"""API tokens over HTTP: created (shown once), listed without secrets, revoked at once."""

from __future__ import annotations

import httpx

from tests.conftest import auth


def test_token_lifecycle(http: httpx.Client, member_token: str) -> None:
    me = http.get("/api/v1/me", headers=auth(member_token))
    assert me.status_code == 200 and me.json()["username"] == "mo" and me.json()["role"] == "member"
    created = http.post("/api/v1/tokens", json={"name": "laptop"}, headers=auth(member_token))
    assert created.status_code == 201
    secret = created.json()["token"]
    assert secret.startswith("mh_") and secret != member_token
    listed = http.get("/api/v1/tokens", headers=auth(secret)).json()
    assert [t["name"] for t in listed] == ["api", "laptop"]
    assert all("token" not in t for t in listed)
    assert all(not secret.startswith(t["prefix"]) or t["name"] == "laptop" for t in listed)
    revoked = http.delete(f"/api/v1/tokens/{created.json()['id']}", headers=auth(member_token))
    assert revoked.status_code == 200 and revoked.json()["revoked_at"]
    gone = http.get("/api/v1/me", headers=auth(secret))
    assert gone.status_code == 401 and gone.json()["error"]["code"] == "not_authenticated"
    assert http.get("/api/v1/me", headers=auth(member_token)).status_code == 200


def test_tokens_of_others_cannot_be_revoked(
    http: httpx.Client, member_token: str, admin_token: str
) -> None:
    mine = http.get("/api/v1/tokens", headers=auth(admin_token)).json()[0]["id"]
    r = http.delete(f"/api/v1/tokens/{mine}", headers=auth(member_token))
    assert r.status_code == 404
    assert http.get("/api/v1/me", headers=auth(admin_token)).status_code == 200
