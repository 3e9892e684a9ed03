"""The partner pages on a real server: the list, the application form, the admins' decisions,
one partner's page with its tokens, each with its JSON twin and CSRF-protected forms."""

from __future__ import annotations

import httpx

from modelhub.catalog.models import Resource, ResourceType
from modelhub.db import transaction
from tests.conftest import LiveServer, auth, make_user
from tests.functional.partners.common import apply, make_partner
from tests.functional.review_pages.common import Page, csrf_of, logged_in, post_form

ADMIN_PASSWORD = "correct horse battery"
FORM = {
    "name": "Lab Tools",
    "description": "A viewer.",
    "resources": "Two models.",
    "collection_url": "https://lab.example.org/collection.yaml",
    "maintenance_plan": "We keep it up to date.",
    "proposed_id": "lab-tools",
}


def test_the_list_and_its_json_twin(
    server: LiveServer, http: httpx.Client, admin_token: str, member_token: str
) -> None:
    empty = Page(http.get("/partners").text)
    assert "No community partner yet." in empty.text
    assert empty.all("a", href="/login?next=/partners/apply")
    make_partner(http, member=member_token, admin=admin_token)
    page = http.get("/partners")
    assert page.status_code == 200
    assert Page(page.text).all("a", href="/partners/lab-tools")
    twin = http.get("/partners?format=json").json()
    assert twin["can_apply"] is False
    assert [(p["id"], p["sync"]["never_synced"]) for p in twin["partners"]] == [("lab-tools", True)]


def test_apply_through_the_form(server: LiveServer, http: httpx.Client) -> None:
    make_user(server.hub, "pia", password="pia's long password")
    anonymous = http.get("/partners/apply")
    assert (anonymous.status_code, anonymous.headers["location"]) == (
        303, "/login?next=%2Fpartners%2Fapply",
    )  # fmt: skip
    with logged_in(server, "pia", "pia's long password") as browser:
        form = browser.get("/partners/apply")
        labelled = Page(form.text).labelled()
        assert {f"f-{name}" for name in FORM} <= labelled
        forged = browser.post("/partners/apply", data={**FORM, "csrf": "nope"})
        assert forged.status_code == 403
        missing = post_form(browser, "/partners/apply", "/partners/apply",
                            **{**FORM, "maintenance_plan": ""})  # fmt: skip
        assert missing.status_code == 400
        assert "Maintenance plan: please fill this in." in Page(missing.text).text
        assert 'value="https://lab.example.org/collection.yaml"' in missing.text  # kept
        bad = post_form(browser, "/partners/apply", "/partners/apply",
                        **{**FORM, "proposed_id": "Lab Tools"})  # fmt: skip
        assert bad.status_code == 400
        assert Page(bad.text).all("div", **{"class": "field invalid"})
        sent = post_form(browser, "/partners/apply", "/partners/apply", **FORM)
        assert (sent.status_code, sent.headers["location"]) == (303, "/partners/apply?done=applied")
        mine = browser.get("/partners/apply?format=json").json()["applications"]
        assert [(a["name"], a["status"], a["applicant"]) for a in mine] == [
            ("Lab Tools", "applied", "pia")
        ]


def test_admins_approve_and_decline_on_their_page(
    server: LiveServer, http: httpx.Client, admin_token: str, member_token: str
) -> None:
    first = apply(http, member_token)
    second = apply(http, member_token, name="Other Lab", proposed_id=None)
    assert http.get("/admin/partners").status_code == 303  # to the login
    assert http.get("/admin/partners", headers=auth(member_token)).status_code == 403
    with logged_in(server, "ada", ADMIN_PASSWORD) as browser:
        page = browser.get("/admin/partners")
        forms = Page(page.text).all("form", method="post")
        assert [f["action"] for f in forms if "partners" in str(f["action"])] == [
            f"/admin/partners/{first['id']}/approve", f"/admin/partners/{first['id']}/decline",
            f"/admin/partners/{second['id']}/approve", f"/admin/partners/{second['id']}/decline",
        ]  # fmt: skip
        assert Page(page.text).all("input", id=f"pid-{first['id']}", value="lab-tools")
        token = csrf_of(page.text)
        clash = browser.post(
            f"/admin/partners/{second['id']}/approve",
            data={"csrf": token, "partner_id": "me"},
        )
        assert clash.status_code == 400
        assert "'me' is reserved by the hub" in Page(clash.text).text
        approved = browser.post(
            f"/admin/partners/{first['id']}/approve",
            data={"csrf": token, "partner_id": "lab-tools", "message": "Welcome"},
        )
        assert (approved.status_code, approved.headers["location"]) == (
            303, "/admin/partners?done=approved&who=lab-tools",
        )  # fmt: skip
        no_csrf = browser.post(f"/admin/partners/{second['id']}/decline", data={"message": "x"})
        assert no_csrf.status_code == 403
        declined = browser.post(
            f"/admin/partners/{second['id']}/decline", data={"csrf": token, "message": "Not yet."}
        )
        assert declined.status_code == 303
        twin = browser.get("/admin/partners?format=json").json()
        assert twin["waiting"] == []
        assert [(a["name"], a["status"]) for a in twin["decided"]] == [
            ("Other Lab", "declined"), ("Lab Tools", "approved"),
        ]  # fmt: skip


def test_a_partner_page_and_its_tokens(
    server: LiveServer, http: httpx.Client, admin_token: str, member_token: str
) -> None:
    make_partner(http, member=member_token, admin=admin_token)
    with transaction(server.hub.sessions) as db:
        db.add(Resource(id="lab-tools/cells", emoji="🦠", type=ResourceType.model, name="Cells",
                        description="", created_by_id=1, latest_version=1,
                        partner_id="lab-tools"))  # fmt: skip
    public = http.get("/partners/lab-tools")
    text = Page(public.text).text
    assert "never synced" in text and "Log in" in text
    # a namespaced id keeps its slash in links (``modelhub.web.ids``)
    assert Page(public.text).all("a", href="/resources/lab-tools/cells")
    assert not Page(public.text).all("form", action="/partners/lab-tools/tokens")
    twin = http.get("/partners/lab-tools?format=json").json()
    assert (twin["can_manage"], twin["tokens"]) == (False, [])
    assert [r["id"] for r in twin["partner"]["resources"]] == ["lab-tools/cells"]
    assert http.get("/partners/nope").status_code == 404
    with logged_in(server, "ada", ADMIN_PASSWORD) as browser:
        made = post_form(browser, "/partners/lab-tools", "/partners/lab-tools/tokens", name="ci")
        assert (made.status_code, made.headers["cache-control"]) == (201, "no-store")
        secret = Page(made.text).all("input", id="new-token")[0]["value"]
        assert secret is not None and secret.startswith("mhp_")
        me = http.get("/api/v1/partners/me", headers=auth(secret))
        assert me.json()["id"] == "lab-tools"
        token_id = browser.get("/partners/lab-tools?format=json").json()["tokens"][0]["id"]
        action = f"/partners/lab-tools/tokens/{token_id}/revoke"
        revoked = post_form(browser, "/partners/lab-tools", action)
        assert revoked.headers["location"] == "/partners/lab-tools?done=revoked"
        assert http.get("/api/v1/partners/me", headers=auth(secret)).status_code == 401
        added = post_form(browser, "/partners/lab-tools", "/partners/lab-tools/maintainers",
                          username="ada")  # fmt: skip
        assert added.headers["location"] == "/partners/lab-tools?done=added"
        again = post_form(browser, "/partners/lab-tools", "/partners/lab-tools/maintainers",
                          username="ada")  # fmt: skip
        assert again.status_code == 409
        assert "'ada' already maintains 'lab-tools'." in Page(again.text).text


def test_long_unbroken_names_stay_inside_the_page(
    server: LiveServer, http: httpx.Client, admin_token: str, member_token: str
) -> None:
    long_name = "Ll" * 100
    long_url = "https://lab.example.org/" + "c" * 1500 + ".yaml"
    application = apply(http, member_token, name=long_name, collection_url=long_url)
    http.post(
        f"/api/v1/partners/applications/{application['id']}/approve",
        json={"partner_id": "x" * 32},
        headers=auth(admin_token),
    )
    page = http.get(f"/partners/{'x' * 32}")
    assert page.status_code == 200 and long_name in page.text
    assert Page(page.text).all("link", rel="stylesheet", href="/static/partners.css")
    css = http.get("/static/partners.css").text
    # the elements that hold partner-given text wrap anywhere (checked at widths in browsers)
    for holder in ("main :is(h1, h2, h3, p, li, dd", ".partner-facts dd", ".partner-list"):
        assert holder in css
    assert "overflow-wrap: anywhere" in css
