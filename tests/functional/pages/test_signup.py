"""Self sign-up over real HTTP under each policy, address confirmation and password reset by
e-mail through a real SMTP inbox (aiosmtpd on loopback)."""

from __future__ import annotations

import re
from datetime import timedelta
from typing import Any

import httpx
from sqlalchemy import update

from modelhub.accounts import service as accounts
from modelhub.accounts.models import OneTimeToken
from modelhub.db import transaction, utcnow
from tests.conftest import LiveServer, auth
from tests.functional.review_pages.common import csrf_of, logged_in
from tests.inbox import Inbox, inbox
from tests.waiting import eventually

__all__ = ["inbox"]
PASSWORD = "correct horse battery"  # the admin_token fixture's account "ada"


def _signup(http: httpx.Client, **body: Any) -> httpx.Response:
    return http.post("/api/v1/signup", json={"password": "long enough words", **body})


def _code(r: httpx.Response) -> str:
    return str(r.json()["error"]["code"]) if "error" in r.json() else str(r.json().get("code"))


def _link(box: Inbox, to: str, path: str) -> str:
    eventually(lambda: any(m["To"] == to for m in box.messages), timeout=10, what="the e-mail")
    mail = [m for m in box.messages if m["To"] == to][-1]
    found = re.search(
        rf"http://\S+({re.escape(path)}\?token=\S+)", mail.get_payload(decode=True).decode()
    )
    assert found, mail.get_payload(decode=True).decode()
    return found.group(1)


def test_signup_follows_the_admins_policy(http: httpx.Client, admin_token: str) -> None:
    closed = _signup(http, username="newcomer")
    assert closed.status_code == 403, closed.text
    assert _code(closed) == "signup_closed"
    assert http.get("/signup").status_code == 403
    put = http.put("/api/v1/signup", json={"policy": "open"}, headers=auth(admin_token))
    assert put.json()["policy"] == "open"
    assert http.get("/api/v1/signup").json() == {"policy": "open", "email_confirmation": False}
    made = _signup(http, username="newcomer", email="new@lab.org")
    assert made.status_code == 201, made.text
    assert made.json()["role"] == "member" and made.json()["confirmation_sent"] is False
    taken = _signup(http, username="NewComer")
    assert (taken.status_code, _code(taken)) == (409, "username_taken")
    weak = _signup(http, username="weakling", password="short")
    assert (weak.status_code, _code(weak)) == (400, "weak_password")
    assert weak.json()["error"]["details"][0]["loc"] == ["password"]
    http.put("/api/v1/signup", json={"policy": "invitation"}, headers=auth(admin_token))
    none = _signup(http, username="guest")
    assert (none.status_code, _code(none)) == (403, "invitation_required")
    bad = _signup(http, username="guest", invitation="made-up")
    assert (bad.status_code, _code(bad)) == (400, "invalid_invite")
    invitation = http.post("/api/v1/invitations", headers=auth(admin_token)).json()
    assert invitation["link"].endswith(f"/signup?invitation={invitation['invitation']}")
    assert 'name="invitation"' in http.get(invitation["link"]).text
    ok = _signup(http, username="guest", invitation=invitation["invitation"])
    assert ok.status_code == 201, ok.text
    again = _signup(http, username="guest2", invitation=invitation["invitation"])
    assert (again.status_code, _code(again)) == (400, "invalid_invite")
    # the page form: a real login with the new account works
    form = http.get("/login")
    login = http.post(
        "/login",
        data={"username": "guest", "password": "long enough words", "csrf": csrf_of(form.text)},
    )
    assert login.status_code == 303


def test_confirmation_and_password_reset_by_email(
    server: LiveServer, inbox: tuple[Inbox, int], admin_token: str
) -> None:
    box, port = inbox
    server.hub.settings.smtp_host, server.hub.settings.smtp_port = "127.0.0.1", port
    with httpx.Client(base_url=server.url, timeout=30) as http:
        http.put("/api/v1/signup", json={"policy": "open"}, headers=auth(admin_token))
        no_mail = _signup(http, username="ida")
        assert (no_mail.status_code, _code(no_mail)) == (400, "email_required")
        made = _signup(http, username="ida", email="ida@lab.org")
        assert made.json()["email_confirmed"] is False and made.json()["confirmation_sent"]
        with transaction(server.hub.sessions) as db:
            user = accounts.get_user(db, username="ida")
            _, token = accounts.create_token(db, user=user)
        refused = http.post("/api/v1/uploads", content=b"x", headers=auth(token))
        assert (refused.status_code, _code(refused)) == (403, "email_unconfirmed")
        confirm = _link(box, "ida@lab.org", "/signup/confirm")
        assert "is confirmed" in http.get(confirm).text
        used = http.get(confirm, params={"format": "json"})
        assert (used.status_code, used.json()["code"]) == (400, "invalid_confirm")
        assert http.post("/api/v1/uploads", content=b"x", headers=auth(token)).status_code != 403

        # reset: log in, forget, follow the link; the old login ends, the old password fails
        csrf = csrf_of(http.get("/login").text)
        creds = {"username": "ida", "password": "long enough words", "csrf": csrf}
        assert http.post("/login", data=creds).status_code == 303
        old_cookie = http.cookies["modelhub_session"]
        unknown = http.post("/password/forgot", data={"email": "nobody@lab.org", "csrf": csrf})
        asked = http.post("/password/forgot", data={"email": "IDA@lab.org", "csrf": csrf})
        assert asked.status_code == unknown.status_code == 202
        assert "If an account has this address" in asked.text
        reset = _link(box, "ida@lab.org", "/password/reset")
        assert 'name="token"' in http.get(reset).text
        token_value = reset.split("token=", 1)[1]
        weak = http.post(
            "/password/reset", data={"token": token_value, "password": "short", "csrf": csrf}
        )
        assert weak.status_code == 400 and "at least 10 characters" in weak.text
        new = {"token": token_value, "password": "a brand new password", "csrf": csrf}
        assert http.post("/password/reset", data=new).status_code == 200
        replay = http.post("/password/reset", data=new, params={"format": "json"})
        assert (replay.status_code, replay.json()["code"]) == (400, "invalid_reset")
        http.cookies.set("modelhub_session", old_cookie)
        assert http.get("/account").status_code == 303  # the old login ended
        assert http.post("/login", data=creds).status_code == 401
        creds["password"] = "a brand new password"
        assert http.post("/login", data=creds).status_code == 303
    assert not [m for m in box.messages if m["To"] == "nobody@lab.org"]


def test_profile_fields_password_change_and_public_page(
    server: LiveServer, admin_token: str
) -> None:
    with logged_in(server, "ada", PASSWORD) as http:
        csrf = csrf_of(http.get("/account").text)
        bad = http.post(
            "/account/profile", data={"orcid": "12-34", "csrf": csrf}, params={"format": "json"}
        )
        assert (bad.status_code, bad.json()["profile_error"]) == (
            400,
            "An ORCID iD looks like 0000-0002-1825-0097.",
        )
        fields = {"display_name": "Ada L.", "affiliation": "EMBL", "csrf": csrf,
                  "orcid": "https://orcid.org/0000-0002-1825-0097", "github": "@ada-l",
                  "email": "ada@lab.org"}  # fmt: skip
        assert http.post("/account/profile", data=fields).status_code == 303
        mine = http.get("/account", params={"format": "json"}).json()
        assert (mine["orcid"], mine["github"], mine["email"]) == (
            "0000-0002-1825-0097",
            "ada-l",
            "ada@lab.org",
        )
        # no SMTP: the new address is kept at once, unconfirmed (so it links to no resource)
        assert mine["email_confirmed"] is False
        public = http.get("/users/ada", params={"format": "json"}).json()
        assert public["display_name"] == "Ada L." and "email" not in public
        assert public["resources"] == []
        assert "EMBL" in http.get("/users/ada").text
        assert http.get("/users/nobody").status_code == 404
        wrong = {"current_password": "not it at all", "new_password": "x" * 12, "csrf": csrf}
        assert http.post("/account/password", data=wrong).status_code == 400
        right = {"current_password": PASSWORD, "new_password": "another fine password"}
        done = http.post("/account/password", data={**right, "csrf": csrf})
        assert done.status_code == 303
        assert http.get("/account").status_code == 200  # this login stays


def test_an_address_never_confirmed_is_freed_once_its_link_expired(
    server: LiveServer, inbox: tuple[Inbox, int], admin_token: str
) -> None:
    box, port = inbox
    server.hub.settings.smtp_host, server.hub.settings.smtp_port = "127.0.0.1", port
    with httpx.Client(base_url=server.url, timeout=30) as http:
        http.put("/api/v1/signup", json={"policy": "open"}, headers=auth(admin_token))
        assert _signup(http, username="squatter", email="kim@lab.org").status_code == 201
        early = _signup(http, username="kim", email="KIM@lab.org")
        assert (early.status_code, _code(early)) == (409, "email_taken")
        with transaction(server.hub.sessions) as db:  # two days later: the link has expired
            squatter = accounts.get_user(db, username="squatter")
            db.execute(
                update(OneTimeToken)
                .where(OneTimeToken.user_id == squatter.id)
                .values(expires_at=utcnow() - timedelta(minutes=1))
            )
        made = _signup(http, username="kim", email="kim@lab.org")
        assert made.status_code == 201, made.text
        with transaction(server.hub.sessions) as db:
            assert accounts.get_user(db, username="squatter").email is None
            assert accounts.get_user(db, username="kim").email == "kim@lab.org"
        # a confirmed address stays its account's
        confirm = _link(box, "kim@lab.org", "/signup/confirm")
        assert "is confirmed" in http.get(confirm).text
        with transaction(server.hub.sessions) as db:
            kim = accounts.get_user(db, username="kim")
            db.execute(
                update(OneTimeToken)
                .where(OneTimeToken.user_id == kim.id)
                .values(expires_at=utcnow() - timedelta(minutes=1))
            )
        again = _signup(http, username="kim2", email="kim@lab.org")
        assert (again.status_code, _code(again)) == (409, "email_taken")
