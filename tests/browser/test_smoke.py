"""The browser can reach the hub, and the layout works without leaving the hub."""

from __future__ import annotations

from pathlib import Path

import httpx
from playwright.sync_api import Browser, Page, expect

from modelhub.accounts import signup
from modelhub.db import transaction
from tests.browser.conftest import log_in, open_context, watched
from tests.conftest import LiveServer, changed_zip
from tests.functional.review.common import act, build_zip, upload


def test_home_opens(browser_page: Page) -> None:
    browser_page.goto("/")
    expect(browser_page.get_by_role("link", name="modelhub")).to_be_visible()
    expect(browser_page.get_by_label("Search models and other resources")).to_be_visible()


def test_signing_up_on_a_phone(chromium: Browser, server: LiveServer) -> None:
    with transaction(server.hub.sessions) as db:
        signup.set_policy(db, value="open")
    context = open_context(chromium, server, phone=True)
    watch = watched(context, server)
    page = context.new_page()
    page.goto("/login")
    page.get_by_role("link", name="Sign up").click()
    page.get_by_label("Username").fill("newcomer")
    page.get_by_label("E-mail (optional)").fill("new@lab.org")
    page.get_by_label("Password").fill("a long pass phrase")
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    page.get_by_role("button", name="Create account").click()
    expect(page.get_by_role("status")).to_contain_text("Welcome, newcomer!")
    log_in(page, "newcomer", "a long pass phrase")
    expect(page.get_by_role("link", name="Log in")).to_have_count(0)
    context.close()
    assert not watch.problems, "\n".join(watch.problems)


def test_notifications_on_a_phone(
    chromium: Browser, server: LiveServer, admin_token: str, member_token: str, tmp_path: Path
) -> None:
    """A review request reaches the admin: the header's badge, the list at 390 px with nothing
    wider than the screen, and "Mark read" that lowers the count."""
    package = build_zip(tmp_path)
    with httpx.Client(base_url=server.url, timeout=60) as http:
        for data in (package, changed_zip(package, "Another one.")):  # not identical
            rid = upload(http, member_token, data)["resource_id"]
            assert act(http, member_token, rid, "submit", message="ready").status_code == 200
    context = open_context(chromium, server, phone=True)
    watch = watched(context, server)
    page = context.new_page()
    log_in(page, "ada", "correct horse battery")
    expect(page.locator("#unread-count")).to_have_text("2")
    page.get_by_role("link", name="Notifications").click()
    expect(page.locator(".notification.unread")).to_have_count(2)
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 390, f"the page is {width} px wide on a 390 px screen"
    page.locator(".notification.unread").first.get_by_role("button", name="Mark read").click()
    expect(page.locator("#unread-count")).to_have_text("1")
    page.get_by_role("button", name="Mark all read").click()
    expect(page.locator("#unread-count")).to_have_count(0)
    context.close()
    assert not watch.problems, "\n".join(watch.problems)
