"""The webhook API's rules: who sees what, admin-only options, URL checks, the SSRF guard on the
worker, pausing and removing."""

from __future__ import annotations

from typing import Any

import httpx

from modelhub.wiring import register_job_kinds
from tests.conftest import LiveServer, auth, make_user
from tests.functional.webhooks.conftest import wait_for_delivery
from tests.functional.webhooks.receiver import Receiver


def error_of(r: httpx.Response) -> dict[str, Any]:
    error: dict[str, Any] = r.json()["error"]
    return error


def test_strangers_cannot_see_or_touch_someones_webhooks(
    hooked: LiveServer,
    http: httpx.Client,
    member_token: str,
    admin_token: str,
    receiver: Receiver,
) -> None:
    stranger = make_user(hooked.hub, "eve")
    r = http.post("/api/v1/webhooks", json={"url": receiver.url}, headers=auth(member_token))
    hook = r.json()
    ping = http.post(f"/api/v1/webhooks/{hook['id']}/ping", headers=auth(member_token)).json()
    wait_for_delivery(http, member_token, hook["id"], ping["id"])
    base = f"/api/v1/webhooks/{hook['id']}"
    for method, path in [
        ("GET", base),
        ("PATCH", base),
        ("DELETE", base),
        ("GET", f"{base}/deliveries"),
        ("GET", f"{base}/deliveries/{ping['id']}"),
        ("POST", f"{base}/deliveries/{ping['id']}/redeliver"),
        ("POST", f"{base}/ping"),
    ]:
        body = {"active": False} if method == "PATCH" else None
        r = http.request(method, path, json=body, headers=auth(stranger))
        assert r.status_code == 404, (method, path, r.text)
        assert error_of(r)["code"] == "not_found"
    assert http.get("/api/v1/webhooks", headers=auth(stranger)).json() == []
    assert http.get(base).status_code == 401
    # a delivery of another webhook is not found under this one
    other = http.post("/api/v1/webhooks", json={"url": receiver.url}, headers=auth(stranger))
    r = http.get(
        f"/api/v1/webhooks/{other.json()['id']}/deliveries/{ping['id']}", headers=auth(stranger)
    )
    assert r.status_code == 404

    # admins see everyone's
    assert http.get(base, headers=auth(admin_token)).status_code == 200
    everyone = http.get("/api/v1/webhooks?all=true", headers=auth(admin_token)).json()
    assert {w["id"] for w in everyone} == {hook["id"], other.json()["id"]}
    r = http.get("/api/v1/webhooks?all=true", headers=auth(member_token))
    assert r.status_code == 403 and error_of(r)["details"][0]["loc"] == ["all"]


def test_all_resources_is_for_admins(
    hooked: LiveServer, http: httpx.Client, member_token: str, admin_token: str
) -> None:
    body = {"url": "https://receiver.example/hook", "all_resources": True}
    r = http.post("/api/v1/webhooks", json=body, headers=auth(member_token))
    assert r.status_code == 403
    assert error_of(r)["code"] == "forbidden"
    assert error_of(r)["details"][0]["loc"] == ["all_resources"]
    r = http.post("/api/v1/webhooks", json=body, headers=auth(admin_token))
    assert r.status_code == 201 and r.json()["all_resources"] is True


def test_bad_urls_and_events_are_refused_with_the_field(
    hooked: LiveServer, http: httpx.Client, member_token: str
) -> None:
    cases = [
        ({"url": "ftp://example.org/"}, "invalid_webhook_url", ["url"]),
        ({"url": "https://me:pw@example.org/"}, "invalid_webhook_url", ["url"]),
        ({"url": "https://example.org/" + "a" * 2000}, "invalid_webhook_url", ["url"]),
        ({"url": "https://example.org/", "events": []}, "invalid_events", ["events"]),
        ({"url": "https://example.org/", "events": ["*", "ping"]}, "invalid_events", ["events"]),
        (
            {"url": "https://example.org/", "events": ["ok", "Not OK"]},
            "invalid_events",
            ["events", 1],
        ),
    ]
    for body, code, loc in cases:
        r = http.post("/api/v1/webhooks", json=body, headers=auth(member_token))
        assert r.status_code == 400, (body, r.text)
        assert error_of(r)["code"] == code and error_of(r)["details"][0]["loc"] == loc
    r = http.post("/api/v1/webhooks", json={"events": ["x"]}, headers=auth(member_token))
    assert r.status_code == 422 and error_of(r)["details"][0]["loc"] == ["url"]
    assert http.get("/api/v1/webhooks", headers=auth(member_token)).json() == []


def test_private_addresses_are_refused_unless_the_hub_allows_them(
    hooked: LiveServer, http: httpx.Client, member_token: str, receiver: Receiver
) -> None:
    hub = hooked.hub
    allowed = http.post("/api/v1/webhooks", json={"url": receiver.url}, headers=auth(member_token))
    by_name = receiver.url.replace("127.0.0.1", "localhost")
    named = http.post("/api/v1/webhooks", json={"url": by_name}, headers=auth(member_token))
    assert allowed.status_code == named.status_code == 201

    hub.settings.webhook_allow_private = False
    register_job_kinds(hub)  # the workers' rule follows the setting
    for url in (receiver.url, by_name, "http://169.254.169.254/latest/meta-data/"):
        r = http.post("/api/v1/webhooks", json={"url": url}, headers=auth(member_token))
        assert r.status_code == 400, r.text
        assert error_of(r)["code"] == "invalid_webhook_url" and "cannot go to" in r.text
    # webhooks made while it was allowed: the worker refuses before connecting
    for hook in (allowed.json(), named.json()):
        ping = http.post(f"/api/v1/webhooks/{hook['id']}/ping", headers=auth(member_token))
        done = wait_for_delivery(http, member_token, hook["id"], ping.json()["id"])
        # a permanent refusal: failed at once, not retried
        assert done["status"] == "failed" and done["attempts"] == 1
        assert done["last_status_code"] is None and done["next_attempt_at"] is None
        assert done["last_error"] == "Not sent: refused: not a public address."
        [logged] = done["attempt_log"]
        assert logged["error"] == done["last_error"]  # for 'localhost' too: no resolved address
    assert receiver.received() == []


def test_pausing_and_removing(
    hooked: LiveServer, http: httpx.Client, member_token: str, receiver: Receiver
) -> None:
    hook = http.post(
        "/api/v1/webhooks", json={"url": receiver.url}, headers=auth(member_token)
    ).json()
    base = f"/api/v1/webhooks/{hook['id']}"
    r = http.patch(
        base, json={"active": False, "events": ["version.published"]}, headers=auth(member_token)
    )
    assert r.status_code == 200 and r.json()["active"] is False
    assert r.json()["events"] == ["version.published"]
    r = http.post(f"{base}/ping", headers=auth(member_token))
    assert r.status_code == 409 and error_of(r)["code"] == "webhook_paused"
    r = http.patch(base, json={"active": True}, headers=auth(member_token))
    assert r.json()["active"] is True
    assert http.post(f"{base}/ping", headers=auth(member_token)).status_code == 202
    receiver.wait_for(1)
    r = http.delete(base, headers=auth(member_token))
    assert r.status_code == 204
    assert http.get(base, headers=auth(member_token)).status_code == 404
    assert http.get(f"{base}/deliveries", headers=auth(member_token)).status_code == 404
