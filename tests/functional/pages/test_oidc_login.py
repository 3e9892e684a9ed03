"""Logging in through an OpenID Connect provider: a real provider on loopback (tests/
oidc_provider.py), the hub served over real HTTP, and a client following every redirect
between them as a browser does."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from sqlalchemy import select

from modelhub.accounts.oidc_models import OidcIdentity
from modelhub.config import OidcProvider, Settings
from modelhub.hub import Hub
from tests.conftest import LiveServer, free_port, hub_settings
from tests.functional.uploads_pages.common import Page, browser
from tests.oidc_provider import CLIENT_ID, CLIENT_SECRET, Provider, serving_provider


@pytest.fixture(scope="module")
def idp() -> Iterator[Provider]:
    with serving_provider() as provider:
        yield provider


@pytest.fixture
def settings(migrated_template: str, tmp_path: Path, idp: Provider) -> Settings:
    configured = hub_settings(migrated_template, tmp_path)
    down = f"127.0.0.1:{free_port()}"  # nothing listens there
    configured.oidc_providers = {
        "test": OidcProvider(
            title="Test ID", issuer=idp.url, client_id=CLIENT_ID, client_secret=CLIENT_SECRET
        ),
        "down": OidcProvider(
            title="Down", issuer=f"http://{down}", client_id="x", client_secret="y"
        ),
    }
    configured.fetch_allow_hosts = f"{idp.url.removeprefix('http://')},{down}"
    configured.oidc_create_accounts = True
    return configured


def _oidc_login(server: LiveServer, client: httpx.Client | None = None) -> httpx.Response:
    """Click "Log in with Test ID" on the login page; the answer at the end of the redirects."""
    own = client is None
    client = client or httpx.Client(base_url=server.url, timeout=30)
    try:
        page = Page(client.get("/login?next=/account").text)
        link = next(a["href"] for t, a in page.tags if t == "a" and a.get("class") == "button")
        assert link == "/login/oidc/test?next=%2Faccount"
        return client.get(str(link), follow_redirects=True)
    finally:
        if own:
            client.close()


def _identities(hub: Hub) -> list[tuple[str, int]]:
    with hub.sessions() as db:
        rows = db.execute(select(OidcIdentity.subject, OidcIdentity.user_id)).all()
    return [(s, u) for s, u in rows]


def test_first_login_creates_the_account_and_the_next_finds_it(
    server: LiveServer, idp: Provider
) -> None:
    idp.person = {
        "sub": "alice-1", "preferred_username": "alice", "email": "alice@example.org",
        "email_verified": True,
    }  # fmt: skip
    first = _oidc_login(server)
    assert first.status_code == 200 and first.url.path == "/account", first.text
    assert "alice@example.org" in first.text and "Test ID: connected." in first.text
    again = _oidc_login(server)
    assert again.url.path == "/account" and ">alice</a>" in again.text
    assert [s for s, _ in _identities(server.hub)] == ["alice-1"]


def test_accounts_are_linked_by_verified_address_or_from_the_account_page(
    server: LiveServer, idp: Provider
) -> None:
    server.hub.settings.oidc_create_accounts = False
    # an unverified address matches nobody: no account, and none is made
    with browser(server, "bea") as bea:
        idp.person = {"sub": "bea-9", "email": "bea@example.org", "email_verified": False}
        refused = _oidc_login(server)
        assert refused.status_code == 403 and "oidc_no_account" in refused.text
        # Bea connects the provider from her account page (a CSRF-protected form)
        account = Page(bea.get("/account").text)
        assert "/account/oidc/test/connect" in account.forms
        done = bea.post(
            "/account/oidc/test/connect", data={"csrf": account.csrf}, follow_redirects=True
        )
        assert done.url.path == "/account" and "Connected:" in done.text, done.text
    assert _oidc_login(server).url.path == "/account"
    assert len(_identities(server.hub)) == 1


@pytest.mark.parametrize("spoil", ["signature", "expired", "nonce", "audience"])
def test_untrustworthy_tokens_are_refused(server: LiveServer, idp: Provider, spoil: str) -> None:
    idp.person, idp.spoil = {"sub": "mallory"}, spoil
    try:
        refused = _oidc_login(server)
    finally:
        idp.spoil = None
    assert refused.status_code == 400 and "oidc_bad_token" in refused.text, refused.text
    assert "modelhub_session" not in refused.cookies and _identities(server.hub) == []


def test_state_mismatch_provider_down_and_unknown_provider(
    server: LiveServer, idp: Provider
) -> None:
    with httpx.Client(base_url=server.url, timeout=30) as client:
        # a callback that this browser never started
        forged = client.get("/login/oidc/test/callback?code=abc&state=xyz")
        assert forged.status_code == 400 and "oidc_state_mismatch" in forged.text
        # started, but the state coming back is not the one sent
        start = client.get("/login/oidc/test")
        assert start.status_code == 303 and start.headers["location"].startswith(idp.url)
        swapped = client.get("/login/oidc/test/callback?code=abc&state=other")
        assert swapped.status_code == 400 and "oidc_state_mismatch" in swapped.text
        down = client.get("/login/oidc/down", headers={"accept": "application/json"})
        assert down.status_code == 502
        assert down.json()["error"]["code"] == "oidc_provider_unavailable"
        unknown = client.get("/login/oidc/nope")
        assert unknown.status_code == 404 and "oidc_unknown_provider" in unknown.text
