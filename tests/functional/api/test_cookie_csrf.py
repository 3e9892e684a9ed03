"""API calls that change something with the login cookie must prove they come from the hub's
pages (the CSRF token in X-CSRF-Token, or the hub's Origin); token calls are unaffected."""

from __future__ import annotations

from pathlib import Path

import httpx
from sqlalchemy import select

from modelhub.accounts.models import ApiToken
from modelhub.catalog.models import ResourceVersion
from modelhub.cli.packing import zip_folder
from modelhub.demo.builder import build_package
from modelhub.web.cookies import CSRF_COOKIE
from tests.conftest import LiveServer, auth
from tests.functional.review_pages.common import logged_in

PASSWORD = "correct horse battery"  # the admin_token fixture's account "ada"
EVIL = {"origin": "https://evil.example"}


def _refused(r: httpx.Response) -> None:
    assert r.status_code == 403, r.text
    assert r.json()["error"]["code"] == "csrf_failed"


def _draft(http: httpx.Client, token: str, tmp: Path) -> str:
    built = build_package("dataset-0.5", tmp / "ds", seed=3)
    archive = zip_folder(built.root, tmp / "ds.zip").read_bytes()
    r = http.post(
        "/api/v1/uploads",
        content=archive,
        headers={**auth(token), "content-type": "application/zip"},
    )
    assert r.status_code == 201, r.text
    rid: str = r.json()["resource_id"]
    return rid


def _status(server: LiveServer, rid: str) -> str:
    with server.hub.sessions() as db:
        version = db.scalars(select(ResourceVersion).where(ResourceVersion.resource_id == rid))
        return str(version.one().status)


def _names(server: LiveServer) -> list[tuple[str, bool]]:
    with server.hub.sessions() as db:
        rows = db.scalars(select(ApiToken).order_by(ApiToken.id))
        return [(t.name, t.revoked_at is None) for t in rows]


def test_cross_origin_cookie_calls_are_refused_for_every_kind(
    server: LiveServer, http: httpx.Client, admin_token: str, tmp_path: Path
) -> None:
    rid = _draft(http, admin_token, tmp_path)
    with logged_in(server, "ada", PASSWORD) as browser:
        assert browser.get("/api/v1/me").json()["username"] == "ada"  # reading needs nothing
        # a JSON body, without any proof and from another site
        _refused(browser.post("/api/v1/tokens", json={"name": "stolen"}))
        _refused(browser.post("/api/v1/tokens", json={"name": "stolen"}, headers=EVIL))
        # a body-less POST
        _refused(browser.post(f"/api/v1/resources/{rid}/review/submit", headers=EVIL))
        assert _status(server, rid) == "draft"
        # a DELETE
        _refused(browser.delete("/api/v1/tokens/1", headers=EVIL))
        # a wrong token in the header, or a look-alike origin
        _refused(browser.delete("/api/v1/tokens/1", headers={"x-csrf-token": "guess"}))
        look_alike = {"origin": server.url + ".evil.example"}
        _refused(browser.post(f"/api/v1/resources/{rid}/review/submit", headers=look_alike))
        _refused(browser.post("/api/v1/tokens", json={"name": "x"}, headers={"origin": "null"}))
    assert _names(server) == [("api", True)]
    assert _status(server, rid) == "draft"


def test_the_pages_token_or_the_hubs_origin_pass(
    server: LiveServer, http: httpx.Client, admin_token: str, tmp_path: Path
) -> None:
    rid = _draft(http, admin_token, tmp_path)
    with logged_in(server, "ada", PASSWORD) as browser:
        csrf = browser.cookies[CSRF_COOKIE]
        made = browser.post(
            "/api/v1/tokens", json={"name": "laptop"}, headers={"x-csrf-token": csrf}
        )
        assert made.status_code == 201, made.text
        submitted = browser.post(
            f"/api/v1/resources/{rid}/review/submit", headers={"origin": server.url}
        )
        assert submitted.status_code == 200, submitted.text
        assert _status(server, rid) == "in_review"
        revoked = browser.delete(
            f"/api/v1/tokens/{made.json()['id']}", headers={"origin": server.url}
        )
        assert revoked.status_code == 200, revoked.text
    assert _names(server) == [("api", True), ("laptop", False)]


def test_token_calls_are_unaffected(
    server: LiveServer, http: httpx.Client, admin_token: str, tmp_path: Path
) -> None:
    rid = _draft(http, admin_token, tmp_path)
    # a token, with no cookie at all
    assert http.post("/api/v1/tokens", json={"name": "ci"}, headers=auth(admin_token)).is_success
    with logged_in(server, "ada", PASSWORD) as browser:
        # a token beside the cookie: the route authenticates the token, so no proof is needed
        r = browser.post(
            f"/api/v1/resources/{rid}/review/submit", headers={**EVIL, **auth(admin_token)}
        )
        assert r.status_code == 200, r.text
    # an anonymous call (no cookie) reaches the route, which asks for a login
    anonymous = http.post("/api/v1/tokens", json={"name": "x"}, headers=EVIL)
    assert anonymous.status_code == 401
    assert anonymous.json()["error"]["code"] == "not_authenticated"
    assert _names(server) == [("api", True), ("ci", True)]
    assert _status(server, rid) == "in_review"
