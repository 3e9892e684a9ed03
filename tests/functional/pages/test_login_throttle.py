"""The login form over real HTTP: throttled per account and per address (429 + Retry-After),
the limits held in the database (a new hub process applies them), failed logins logged without
the password, and the access log free of secrets."""

from __future__ import annotations

import asyncio
import logging
import re
from collections.abc import Iterator
from contextlib import contextmanager

import httpx
import pytest
from sqlalchemy import select

from modelhub.accounts.models import LoginThrottle, Role
from modelhub.app import build_hub, create_app
from modelhub.config import Settings
from modelhub.hub import Hub
from tests.conftest import LiveServer, make_user
from tests.functional.review_pages.common import csrf_of

PASSWORD = "correct horse battery"  # the admin_token fixture's account "ada"
WRONG = "Tr0ub4dor&3-not-it"


def _in_process(hub: Hub, credentials: tuple[str, str] | None = None) -> httpx.Response:
    """A login (or a GET of /login) answered by a second app on ``hub``, in this process."""

    async def go() -> httpx.Response:
        transport = httpx.ASGITransport(app=create_app(hub=hub))
        async with httpx.AsyncClient(transport=transport, base_url="http://hub") as client:
            form = await client.get("/login")
            if credentials is None:
                return form
            username, password = credentials
            data = {"username": username, "password": password, "csrf": csrf_of(form.text)}
            return await client.post("/login", data=data)

    return asyncio.run(go())


@contextmanager
def _browser(server: LiveServer) -> Iterator[tuple[httpx.Client, str]]:
    with httpx.Client(base_url=server.url, timeout=60) as client:
        yield client, csrf_of(client.get("/login").text)


def _login(client: httpx.Client, csrf: str, username: str, password: str) -> httpx.Response:
    return client.post("/login", data={"username": username, "password": password, "csrf": csrf})


def _throttled(r: httpx.Response, minutes: str = "1 minute") -> None:
    assert r.status_code == 429, r.text
    assert 1 <= int(r.headers["retry-after"]) <= 60
    assert f"Too many failed attempts; try again in {minutes}." in r.text


def _counts(server: LiveServer) -> dict[tuple[str, str], int]:
    with server.hub.sessions() as db:
        return {(r.scope, r.key): r.failures for r in db.scalars(select(LoginThrottle))}


def test_an_account_is_throttled_after_failures_in_a_row(
    server: LiveServer, admin_token: str
) -> None:
    server.hub.settings.login_max_failures = 3
    with _browser(server) as (client, csrf):
        first = [_login(client, csrf, "ada", WRONG) for _ in range(2)]
        assert [r.status_code for r in first] == [401, 401]
        assert "Too many" not in first[1].text
        third = _login(client, csrf, "ada", WRONG)
        assert third.status_code == 401
        assert "Wrong username or password. Too many failed attempts; try again in 1 minute." in (
            third.text
        )
        # now even the right password is refused, without being checked
        _throttled(_login(client, csrf, "ada", PASSWORD))
        assert "modelhub_session" not in client.cookies
        as_json = client.post(
            "/login",
            data={"username": "ada", "password": PASSWORD, "csrf": csrf},
            headers={"accept": "application/json"},
        )
        assert as_json.status_code == 429 and "retry-after" in as_json.headers
        assert as_json.json()["error"]["code"] == "too_many_attempts"
        # other accounts are not concerned
        make_user(server.hub, "bob", Role.member, password="another good passphrase")
        assert _login(client, csrf, "bob", "another good passphrase").status_code == 303
    assert _counts(server) == {("account", "ada"): 3, ("address", "127.0.0.1"): 3}


def test_the_limits_hold_in_another_process_of_the_hub(
    server: LiveServer, settings: Settings, admin_token: str
) -> None:
    server.hub.settings.login_max_failures = 2
    with _browser(server) as (client, csrf):
        for _ in range(2):
            _login(client, csrf, "ada", WRONG)
    # a second hub on the same database (another worker, or the hub after a restart)
    other = build_hub(settings.model_copy(update={"access_log": False}))
    try:
        r = _in_process(other, ("ada", PASSWORD))
    finally:
        other.engine.dispose()
    assert r.status_code == 429 and 1 <= int(r.headers["retry-after"]) <= 60


def test_spraying_accounts_from_one_address_is_throttled_despite_a_success(
    server: LiveServer, admin_token: str
) -> None:
    server.hub.settings.login_max_failures_per_address = 4
    with _browser(server) as (client, csrf):
        for name in ("bob", "cy", "dan"):
            assert _login(client, csrf, name, WRONG).status_code == 401
        # a right guess clears that account's count, not the address's
        assert _login(client, csrf, "ada", PASSWORD).status_code == 303
        assert _login(client, csrf, "eve", WRONG).status_code == 401
        _throttled(_login(client, csrf, "ada", PASSWORD))
        _throttled(_login(client, csrf, "frank", WRONG))
    assert _counts(server)[("address", "127.0.0.1")] == 4
    assert ("account", "ada") not in _counts(server)


def test_failed_logins_are_logged_without_the_password(
    server: LiveServer, admin_token: str, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO, logger="modelhub")
    server.hub.settings.login_max_failures = 1
    with _browser(server) as (client, csrf):
        _login(client, csrf, "ada", WRONG)
        _login(client, csrf, "ada", PASSWORD)
    accounts = [r.getMessage() for r in caplog.records if r.name == "modelhub.accounts"]
    assert len(accounts) == 2 and accounts[0] == "failed login: account 'ada' from 127.0.0.1"
    refused = re.fullmatch(
        r"login refused \(throttled (\d+) s\): account 'ada' from 127.0.0.1", accounts[1]
    )
    assert refused and 1 <= int(refused[1]) <= 60
    everything = caplog.text
    assert WRONG not in everything and PASSWORD not in everything


def test_the_access_log_has_one_line_per_request_and_no_secrets(
    server: LiveServer, http: httpx.Client, admin_token: str, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO, logger="modelhub.access")
    headers = {"authorization": f"Bearer {admin_token}", "cookie": "modelhub_session=s3cr3t"}
    assert http.get("/api/v1/me", headers=headers).status_code == 200
    http.get("/", params={"q": "nuclei", "token": admin_token, "signature": "abc123"})
    http.post("/api/v1/tokens", content=b"x" * (2 * 1024 * 1024))
    lines = [r.getMessage() for r in caplog.records if r.name == "modelhub.access"]
    assert len(lines) == 3
    client, method, target, status, duration = lines[0].split(" ")
    assert (client, method, target, status) == ("127.0.0.1", "GET", "/api/v1/me", "200")
    assert duration.endswith("ms") and float(duration[:-2]) >= 0
    assert lines[1].split(" ")[1:4] == [
        "GET",
        "/?q=nuclei&token=[redacted]&signature=[redacted]",
        "200",
    ]
    assert lines[2].split(" ")[1:4] == ["POST", "/api/v1/tokens", "413"]
    for secret in (admin_token, "s3cr3t", "abc123", "Bearer"):
        assert secret not in caplog.text


def test_the_access_log_can_be_turned_off(
    settings: Settings, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO, logger="modelhub.access")
    quiet = build_hub(settings.model_copy(update={"access_log": False}))
    try:
        assert _in_process(quiet).status_code == 200
    finally:
        quiet.engine.dispose()
    assert [r for r in caplog.records if r.name == "modelhub.access"] == []
