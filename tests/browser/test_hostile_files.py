"""A member's package holding an HTML page, the script it loads and an SVG cover with a script
inside, opened by a logged-in admin in a real browser: its files, its card (draft and
published), the review desk and the catalog. No script of the package may run: no dialog, no
console message of it, no call to the API from any page, and no account or token made."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import httpx
import pytest
from playwright.sync_api import (
    Browser,
    BrowserContext,
    ConsoleMessage,
    Dialog,
    Download,
    Page,
    Request,
    Route,
)
from playwright.sync_api import Error as PlaywrightError
from pydantic import SecretStr
from sqlalchemy import func, select

from modelhub.accounts.models import ApiToken, Role, User
from tests.browser.conftest import log_in, open_context
from tests.conftest import LiveServer, make_user
from tests.functional.downloads.common import HOSTILE_FILES, hostile_package, publish, upload

PASSWORD = "a long enough password"
SVG_LOADED = """() => {
  const img = document.querySelector("img[src$='cover.svg']");
  return img !== null && img.complete && img.naturalWidth > 0;
}"""


@dataclass
class Seen:
    """Everything a script of the package could have left behind in the browser."""

    dialogs: list[str] = field(default_factory=list)
    console: list[str] = field(default_factory=list)
    api_calls: list[str] = field(default_factory=list)

    def dialog(self, dialog: Dialog) -> None:
        self.dialogs.append(dialog.message)
        dialog.dismiss()

    def message(self, message: ConsoleMessage) -> None:
        self.console.append(message.text)

    def request(self, request: Request) -> None:
        # the test's own visits are navigations; a script's calls are not
        if "/api/v1/" in request.url and not request.is_navigation_request():
            self.api_calls.append(f"{request.method} {request.url}")

    @property
    def hostile(self) -> list[str]:
        return [text for text in self.dialogs + self.console if "HOSTILE" in text]


def watch(context: BrowserContext) -> Seen:
    seen = Seen()
    context.on("dialog", seen.dialog)
    context.on("console", seen.message)
    context.on("request", seen.request)
    return seen


@pytest.fixture
def admin_tab(chromium: Browser, server: LiveServer) -> Iterator[tuple[Page, Seen]]:
    make_user(server.hub, "ada", Role.admin, password=PASSWORD)
    context = open_context(chromium, server)
    seen = watch(context)
    page = context.new_page()
    log_in(page, "ada", PASSWORD)
    yield page, seen
    context.close()


def downloaded(page: Page, url: str) -> Download:
    """Open ``url`` as a person would (typing it); it must be saved, not shown."""
    with page.expect_download() as started, contextlib.suppress(PlaywrightError):
        page.goto(url)  # Playwright reports "Download is starting" as an error
    return started.value


def _shown(page: Page, url: str) -> str:
    response = page.goto(url)
    assert response is not None and response.status == 200, url
    return page.locator("body").inner_text()


def _accounts(server: LiveServer) -> tuple[list[str], int]:
    with server.hub.sessions() as db:
        names = sorted(db.scalars(select(User.username)))
        tokens = db.scalar(select(func.count()).select_from(ApiToken)) or 0
    return names, tokens


def test_no_script_of_a_package_runs_for_an_admin(
    admin_tab: tuple[Page, Seen], server: LiveServer, tmp_path: Path
) -> None:
    page, seen = admin_tab
    member = make_user(server.hub, "mo", Role.member)
    admin_token = make_user(server.hub, "root", Role.admin)
    with httpx.Client(base_url=server.url, timeout=60) as http:
        rid = upload(http, member, hostile_package(tmp_path))
    before = _accounts(server)

    page.goto(f"/resources/{rid}?version=draft")
    page.wait_for_function(SVG_LOADED)  # an SVG cover still shows, as an <img>
    page.goto(f"/review/{rid}")
    for name in HOSTILE_FILES:
        for url in (
            f"/artifacts/{rid}/draft/files/{name}",
            f"/artifacts/{rid}/files/{name}?version=draft",
        ):
            assert downloaded(page, url).suggested_filename == name
    assert "Hostile files test" in _shown(page, f"/artifacts/{rid}/draft/files/README.md")
    assert "type: dataset" in _shown(page, f"/artifacts/{rid}/draft/files/rdf.yaml")
    _shown(page, f"/artifacts/{rid}/draft/files/cover.png")
    assert (
        downloaded(page, f"/artifacts/{rid}/draft/package.zip").suggested_filename
        == f"{rid}-draft.zip"
    )

    with httpx.Client(base_url=server.url, timeout=60) as http:
        publish(http, admin_token, rid)
    page.goto("/")
    page.wait_for_function(SVG_LOADED)  # the catalog's card shows the first cover: the SVG
    page.goto(f"/resources/{rid}")
    page.wait_for_function(SVG_LOADED)
    for name in HOSTILE_FILES:
        for url in (
            f"/artifacts/{rid}/v1/files/{name}",
            f"/api/v1/resources/{rid}/versions/v1/files/{name}",
        ):
            assert downloaded(page, url).suggested_filename == name

    assert seen.hostile == [] and seen.dialogs == []
    assert seen.api_calls == []
    assert _accounts(server) == before  # no account and no token made with the admin's login


def _unprotected(route: Route) -> None:
    """The server's answer as a careless server would send it: as a page, no policy."""
    response = route.fetch()
    route.fulfill(response=response, headers={"content-type": "text/html; charset=utf-8"})


def _without_attachment(route: Route) -> None:
    """The server's answer with its disposition lost (say, by a proxy) and shown as a page."""
    response = route.fetch()
    headers = {k: v for k, v in response.headers.items() if k != "content-disposition"}
    headers["content-type"] = (
        "text/html; charset=utf-8" if route.request.url.endswith(".html") else "image/svg+xml"
    )
    route.fulfill(response=response, headers=headers)


def test_the_package_policy_alone_stops_the_scripts_and_the_watch_would_see_them(
    admin_tab: tuple[Page, Seen], chromium: Browser, server: LiveServer, tmp_path: Path
) -> None:
    page, seen = admin_tab
    member = make_user(server.hub, "mo", Role.member)
    admin = make_user(server.hub, "root", Role.admin)
    with httpx.Client(base_url=server.url, timeout=60) as http:
        rid = upload(http, member, hostile_package(tmp_path))
        publish(http, admin, rid)
    before = _accounts(server)
    html, svg = f"/artifacts/{rid}/v1/files/evil.html", f"/artifacts/{rid}/v1/files/cover.svg"

    # second line of defence: shown as a page despite everything (to a logged-in admin), the
    # policy keeps it inert
    page.route(f"**{html}", _without_attachment)
    page.route(f"**{svg}", _without_attachment)
    page.goto(html)
    assert page.locator("h1").inner_text() == "Results"  # rendered as a page, indeed
    page.goto(svg)
    assert page.locator("rect").count() == 1
    assert seen.hostile == [] and seen.dialogs == [] and seen.api_calls == []
    assert _accounts(server) == before

    # the control: the same bytes without the hub's headers do run, and the watch sees it
    # (in a context without a login: nothing is made)
    context = open_context(chromium, server)
    seen = watch(context)
    page = context.new_page()
    page.route(f"**{html}", _unprotected)
    page.goto(html)
    page.wait_for_function("() => document.readyState === 'complete'")
    assert "HOSTILE SCRIPT RAN" in seen.dialogs and "HOSTILE SCRIPT RAN" in seen.console
    assert f"POST {server.url}/api/v1/users" in seen.api_calls
    context.close()


def test_with_a_files_origin_covers_show_and_files_come_from_there(
    admin_tab: tuple[Page, Seen], server: LiveServer, tmp_path: Path
) -> None:
    settings = server.hub.settings
    settings.files_secret = SecretStr("a signing key for the files origin of these tests")
    settings.files_url = files = server.url.replace("127.0.0.1", "localhost")
    page, seen = admin_tab
    member = make_user(server.hub, "mo", Role.member)
    admin_token = make_user(server.hub, "root", Role.admin)
    with httpx.Client(base_url=server.url, timeout=60) as http:
        rid = upload(http, member, hostile_package(tmp_path))
    before = _accounts(server)
    loaded: list[str] = []
    page.on("requestfinished", lambda r: loaded.append(r.url) if "cover.svg" in r.url else None)

    # a draft's cover: the hub checks the admin's login, then sends the image from the files
    # origin with a signed link
    page.goto(f"/resources/{rid}?version=draft")
    page.wait_for_function(SVG_LOADED)
    assert any(
        u.startswith(f"{files}/artifacts/{rid}/draft/files/cover.svg?grant=") for u in loaded
    )
    for name in HOSTILE_FILES:
        assert downloaded(page, f"/artifacts/{rid}/draft/files/{name}").url.startswith(
            f"{files}/artifacts/{rid}/draft/files/{name}?grant="
        )
    with httpx.Client(base_url=server.url, timeout=60) as http:
        publish(http, admin_token, rid)
    page.goto(f"/resources/{rid}")
    page.wait_for_function(SVG_LOADED)
    assert f"{files}/artifacts/{rid}/v1/files/cover.svg" in loaded
    for name in HOSTILE_FILES:
        assert (
            downloaded(page, f"{files}/artifacts/{rid}/v1/files/{name}").suggested_filename == name
        )

    assert seen.hostile == [] and seen.dialogs == [] and seen.api_calls == []
    assert _accounts(server) == before
