"""The browser can reach the hub, and the layout works without leaving the hub."""

from __future__ import annotations

from playwright.sync_api import Page, expect


def test_home_opens(browser_page: Page) -> None:
    browser_page.goto("/")
    expect(browser_page.get_by_role("link", name="modelhub")).to_be_visible()
    expect(browser_page.get_by_label("Search models and other resources")).to_be_visible()
