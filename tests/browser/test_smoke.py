"""The browser can reach the hub, and the layout works without leaving the hub."""

from __future__ import annotations

from playwright.sync_api import Browser, Page, expect

from modelhub.accounts import signup
from modelhub.db import transaction
from tests.browser.conftest import log_in, open_context, watched
from tests.conftest import LiveServer


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
