"""The notifications page: a review request shows there and as the header's unread badge; marking
it read (a plain form) lowers the count; the JSON twin and the API say the same."""

from __future__ import annotations

import httpx

from tests.conftest import LiveServer, auth, changed_zip
from tests.functional.review.common import act, package, upload
from tests.functional.review_pages.common import Page, csrf_of, logged_in

__all__ = ["package"]  # the fixture is used by name


def _badge(html: str) -> str | None:
    found = [a for t, a in Page(html).tags if t == "span" and a.get("id") == "unread-count"]
    if not found:
        return None
    return html.split('id="unread-count">', 1)[1].split("<", 1)[0]


def test_a_review_request_shows_and_is_marked_read(
    http: httpx.Client, server: LiveServer, admin_token: str, member_token: str, package: bytes
) -> None:
    assert http.get("/notifications").status_code == 303  # anonymous: to the login form
    # two review requests (two packages: an identical one is refused): two notifications
    for data in (package, changed_zip(package, "Another one.")):
        rid = upload(http, member_token, data)["resource_id"]
        assert act(http, member_token, rid, "submit", message="ready").status_code == 200
    listed = http.get("/api/v1/notifications?unread=true", headers=auth(admin_token))
    unread = int(listed.headers["x-unread-count"])
    assert unread >= 2 and len(listed.json()) == unread
    with logged_in(server, "ada", "correct horse battery") as ada:
        page = ada.get("/notifications")
        assert _badge(page.text) == str(unread)
        twin = ada.get("/notifications?format=json").json()
        assert twin["unread"] == unread and twin["total"] >= unread
        newest = twin["notifications"][0]
        assert newest["id"] == max(n["id"] for n in twin["notifications"])
        assert newest["label"] == "Review requested" and not newest["read"]
        links = {a.get("href") for a in Page(page.text).all("a")}
        assert newest["link"] in links  # the item links to what it is about
        done = ada.post(newest["read_url"], data={"csrf": csrf_of(page.text), "page": "1"})
        assert done.status_code == 303 and done.headers["location"] == "/notifications"
        after = ada.get("/notifications")
        assert _badge(after.text) == str(unread - 1)
        assert 'id="notification-{}" class="notification"'.format(newest["id"]) in after.text
        # another's notification, or a missing one: 404, nothing changes
        refused = ada.post("/notifications/999999/read", data={"csrf": csrf_of(after.text)})
        assert refused.status_code == 404
        ada.post("/notifications/read-all", data={"csrf": csrf_of(after.text)})
        assert _badge(ada.get("/").text) is None
    assert http.get("/api/v1/notifications/unread", headers=auth(admin_token)).json() == {
        "unread": 0
    }
    mo = http.get("/api/v1/notifications/unread", headers=auth(member_token)).json()["unread"]
    api_read = http.post("/api/v1/notifications/read-all", headers=auth(member_token)).json()
    assert api_read == {"marked": mo, "unread": 0}
