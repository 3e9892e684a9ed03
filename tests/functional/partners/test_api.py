"""The partners' JSON API on a real server: applying, deciding, the applicant told, details,
maintainers and partner tokens — with the exact status and error code of every refusal."""

from __future__ import annotations

import httpx

from tests.conftest import LiveServer, auth, make_user
from tests.functional.partners.common import APPLICATION, apply, make_partner


def code_of(response: httpx.Response) -> tuple[int, str]:
    return response.status_code, response.json()["error"]["code"]


def test_apply_approve_and_the_applicant_hears_of_it(
    http: httpx.Client, admin_token: str, member_token: str
) -> None:
    application = apply(http, member_token, test_summary_url="https://ci.example.org/summaries")
    assert (application["status"], application["applicant"], application["partner_id"]) == (
        "applied", "mo", None,
    )  # fmt: skip
    mine = http.get("/api/v1/partners/applications", headers=auth(member_token)).json()
    assert [a["id"] for a in mine] == [application["id"]]
    admin_news = http.get("/api/v1/notifications", headers=auth(admin_token)).json()
    assert [(n["kind"], n["subject"]) for n in admin_news] == [
        ("partner.apply", "Partner application: Lab Tools")
    ]
    decided = http.post(
        f"/api/v1/partners/applications/{application['id']}/approve",
        json={"partner_id": "lab-tools", "message": "Welcome aboard."},
        headers=auth(admin_token),
    )
    assert decided.status_code == 200, decided.text
    assert (decided.json()["status"], decided.json()["decided_by"]) == ("approved", "ada")
    news = http.get("/api/v1/notifications", headers=auth(member_token)).json()
    assert [(n["kind"], n["link"]) for n in news] == [("partner.approve", "/partners/lab-tools")]
    assert news[0]["body"].endswith("\n\nWelcome aboard.")

    listed = http.get("/api/v1/partners").json()
    assert [(p["id"], p["name"], p["maintainers"]) for p in listed] == [
        ("lab-tools", "Lab Tools", ["mo"])
    ]
    detail = http.get("/api/v1/partners/lab-tools").json()
    assert detail["collection_url"] == APPLICATION["collection_url"]
    assert detail["test_summary_url"] == "https://ci.example.org/summaries"
    assert detail["sync"] == {
        "last_attempt_at": None, "last_success_at": None, "last_error": None,
        "never_synced": True,
        "report": None,
    }  # fmt: skip
    assert (detail["resources"], detail["entries"]) == ([], [])


def test_decline_with_a_message(http: httpx.Client, admin_token: str, member_token: str) -> None:
    application = apply(http, member_token)
    path = f"/api/v1/partners/applications/{application['id']}"
    empty = http.post(f"{path}/decline", json={"message": ""}, headers=auth(admin_token))
    assert code_of(empty) == (422, "invalid_request")
    done = http.post(f"{path}/decline", json={"message": "Not yet."}, headers=auth(admin_token))
    assert (done.status_code, done.json()["status"]) == (200, "declined")
    assert http.get(path, headers=auth(member_token)).json()["decision_message"] == "Not yet."
    again = http.post(
        f"{path}/approve", json={"partner_id": "lab-tools"}, headers=auth(admin_token)
    )
    assert code_of(again) == (409, "already_decided")
    assert http.get("/api/v1/partners").json() == []


def test_refusals_have_stable_codes(
    http: httpx.Client, admin_token: str, member_token: str
) -> None:
    assert code_of(http.post("/api/v1/partners/applications", json=APPLICATION)) == (
        401, "not_authenticated",
    )  # fmt: skip
    bad_url = {**APPLICATION, "collection_url": "file:///etc/passwd"}
    sent = http.post("/api/v1/partners/applications", json=bad_url, headers=auth(member_token))
    assert code_of(sent) == (400, "invalid_url")
    bad_id = {**APPLICATION, "proposed_id": "Lab_Tools"}
    sent = http.post("/api/v1/partners/applications", json=bad_id, headers=auth(member_token))
    assert code_of(sent) == (400, "invalid_partner_id")
    application = apply(http, member_token)
    approve = f"/api/v1/partners/applications/{application['id']}/approve"
    by_member = http.post(approve, json={"partner_id": "lab"}, headers=auth(member_token))
    assert code_of(by_member) == (403, "forbidden")
    for wrong in ("Lab", "apply", "me", "a"):
        sent = http.post(approve, json={"partner_id": wrong}, headers=auth(admin_token))
        assert code_of(sent) == (400, "invalid_partner_id")
    make_partner(http, member=member_token, admin=admin_token, partner_id="lab")
    taken = http.post(approve, json={"partner_id": "lab"}, headers=auth(admin_token))
    assert code_of(taken) == (409, "partner_id_taken")
    assert code_of(http.get("/api/v1/partners/nope")) == (404, "partner_not_found")
    missing = http.get("/api/v1/partners/applications/999", headers=auth(member_token))
    assert code_of(missing) == (404, "application_not_found")


def test_maintainers_are_managed_by_maintainers_and_admins(
    http: httpx.Client, admin_token: str, member_token: str, server: LiveServer
) -> None:
    other = make_user(server.hub, "olu")
    make_partner(http, member=member_token, admin=admin_token)
    base = "/api/v1/partners/lab-tools"
    refused = http.post(f"{base}/maintainers", json={"username": "olu"}, headers=auth(other))
    assert code_of(refused) == (403, "not_partner_maintainer")
    added = http.post(f"{base}/maintainers", json={"username": "olu"}, headers=auth(member_token))
    assert added.status_code == 201
    assert [m["username"] for m in added.json()] == ["mo", "olu"]
    unknown = http.post(f"{base}/maintainers", json={"username": "zed"}, headers=auth(other))
    assert code_of(unknown) == (404, "unknown_account")
    patched = http.patch(base, json={"name": "Lab Tools II"}, headers=auth(other))
    assert (patched.status_code, patched.json()["name"]) == (200, "Lab Tools II")
    assert http.delete(f"{base}/maintainers/mo", headers=auth(admin_token)).status_code == 204
    last = http.delete(f"{base}/maintainers/olu", headers=auth(other))
    assert code_of(last) == (409, "last_maintainer")
    assert [m["username"] for m in http.get(f"{base}/maintainers").json()] == ["olu"]


def test_a_partner_token_acts_for_the_partner_only(
    http: httpx.Client, admin_token: str, member_token: str
) -> None:
    make_partner(http, member=member_token, admin=admin_token)
    base = "/api/v1/partners/lab-tools/tokens"
    made = http.post(base, json={"name": "github-actions"}, headers=auth(member_token))
    assert made.status_code == 201
    secret = made.json()["token"]
    assert secret.startswith("mhp_") and made.json()["prefix"] == secret[:12]
    me = http.get("/api/v1/partners/me", headers=auth(secret))
    assert (me.status_code, me.json()["id"]) == (200, "lab-tools")
    listed = http.get(base, headers=auth(member_token)).json()
    assert [t["name"] for t in listed] == ["github-actions"]
    assert "token" not in listed[0] and listed[0]["last_used_at"] is not None
    # a partner token is no person, and a person's token is no partner
    assert code_of(http.get("/api/v1/me", headers=auth(secret))) == (401, "not_authenticated")
    as_person = http.get("/api/v1/partners/me", headers=auth(member_token))
    assert code_of(as_person) == (401, "not_authenticated")
    assert code_of(http.get("/api/v1/partners/me")) == (401, "not_authenticated")
    revoked = http.delete(f"{base}/{made.json()['id']}", headers=auth(admin_token))
    assert revoked.status_code == 200 and revoked.json()["revoked_at"] is not None
    gone = http.get("/api/v1/partners/me", headers=auth(secret))
    assert code_of(gone) == (401, "not_authenticated")
    assert gone.json()["error"]["message"] == "This partner token is unknown or was revoked."
