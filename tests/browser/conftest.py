"""Browser tests: Playwright drives Debian's chromium against the hub served on loopback.

Every page a test opens is watched: a console error, an uncaught script error, or a request
leaving the hub (anything but the hub's own origin, data: and blob: URLs) fails the test."""

from __future__ import annotations

import os
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from playwright.sync_api import (
    Browser,
    BrowserContext,
    ConsoleMessage,
    Page,
    Request,
    Response,
    ViewportSize,
    sync_playwright,
)

from tests.conftest import LiveServer

CHROMIUM = Path(os.environ.get("MODELHUB_TEST_CHROMIUM", "/usr/bin/chromium"))

HERE = Path(__file__).parent


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Every test of this folder is a ``browser`` test (a ``pytestmark`` in a conftest marks
    nothing): the PostgreSQL run leaves them out, they drive the same pages."""
    for item in items:
        if HERE in item.path.parents:
            item.add_marker(pytest.mark.browser)


# per module, not per session: while Playwright's sync API is started it keeps an event loop
# running in this thread, and later tests in the same worker call asyncio.run()
@pytest.fixture(scope="module")
def chromium() -> Iterator[Browser]:
    if not CHROMIUM.exists():
        pytest.fail(f"no browser at {CHROMIUM}: `make system` installs Debian's chromium")
    # chromium refuses its own sandbox when run as root (CI containers); the pages are ours
    args = ["--no-sandbox"] if os.geteuid() == 0 else []
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=args)
        yield browser
        browser.close()


@dataclass
class Watch:
    """What went wrong in the browser while a test ran."""

    origin: str
    problems: list[str] = field(default_factory=list)

    def console(self, message: ConsoleMessage) -> None:
        # failed loads are judged by `response` below: a refused upload answering 422 to the
        # page's own request is expected, a stylesheet or image answering 404 is not
        if message.type == "error" and not message.text.startswith("Failed to load resource"):
            where = message.location.get("url", "")
            self.problems.append(f"console error: {message.text} ({where})")

    def page_error(self, error: Exception) -> None:
        self.problems.append(f"script error: {error}")

    def response(self, response: Response) -> None:
        kind = response.request.resource_type
        if kind in ("stylesheet", "script", "image", "font") and response.status >= 400:
            self.problems.append(f"{kind} answered {response.status}: {response.url}")

    def request(self, request: Request) -> None:
        url = request.url
        if not url.startswith((self.origin + "/", "data:", "blob:")) and url != self.origin:
            self.problems.append(f"request leaving the hub: {url}")


def open_context(browser: Browser, server: LiveServer, *, phone: bool = False) -> BrowserContext:
    size: ViewportSize = {"width": 390, "height": 844} if phone else {"width": 1280, "height": 900}
    context = browser.new_context(base_url=server.url, viewport=size, accept_downloads=True)
    context.set_default_timeout(15_000)
    return context


def watched(context: BrowserContext, server: LiveServer) -> Watch:
    """Start watching every page of ``context`` for problems."""
    watch = Watch(origin=server.url)
    context.on("console", watch.console)
    context.on("weberror", lambda e: watch.page_error(e.error))
    context.on("request", watch.request)
    context.on("response", watch.response)
    return watch


@pytest.fixture
def browser_page(chromium: Browser, server: LiveServer) -> Iterator[Page]:
    """A fresh browser tab (own cookies) on the test hub; fails the test on any page problem."""
    context = open_context(chromium, server)
    watch = watched(context, server)
    page = context.new_page()
    yield page
    context.close()
    assert not watch.problems, "\n".join(watch.problems)


def log_in(page: Page, username: str, password: str) -> None:
    """Log in through the real form, as a person would."""
    page.goto("/login")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Log in").click()
    page.wait_for_url(lambda url: "/login" not in url)
