"""The partner pages in a real browser, at phone and desktop widths, with names, ids and
addresses long enough to break a careless layout: nothing wider than the window."""

from __future__ import annotations

import pytest
from playwright.sync_api import Browser, Page

from modelhub.accounts import service as accounts
from modelhub.accounts.models import Role
from modelhub.db import transaction
from modelhub.partners import service
from modelhub.partners.schemas import ApplicationCreate
from tests.browser.conftest import log_in, open_context, watched
from tests.conftest import LiveServer

LONG_NAME = "Supercalifragilistic" * 10
LONG_URL = "https://lab.example.org/" + "collection" * 120 + ".yaml"


def _fill_hub(server: LiveServer) -> None:
    with transaction(server.hub.sessions) as db:
        accounts.create_user(db, username="ada", role=Role.admin, password="a long passphrase")
        data = ApplicationCreate(
            name=LONG_NAME, description="D" * 600, resources="R" * 600,
            collection_url=LONG_URL, about_url=LONG_URL, maintenance_plan="M" * 600,
            proposed_id="y" * 32,
        )  # fmt: skip
        admin = accounts.get_user(db, username="ada")
        first = service.apply(db, applicant=admin, data=data)
        service.approve(db, application_id=first.id, actor=admin, partner_id="x" * 32)
        service.apply(db, applicant=admin, data=data)  # left waiting for the admin page


def _fits(page: Page) -> bool:
    width: int = page.evaluate("document.documentElement.scrollWidth")
    return width <= page.viewport_size["width"] if page.viewport_size else False


def _too_wide(page: Page) -> list[str]:
    found: list[str] = page.evaluate(
        "[...document.querySelectorAll('body *')]"
        ".filter(e => e.getBoundingClientRect().right > window.innerWidth + 1)"
        ".map(e => e.tagName + '.' + e.className).slice(0, 8)"
    )
    return found


@pytest.mark.parametrize("phone", [True, False], ids=["phone", "desktop"])
def test_partner_pages_fit_the_window(chromium: Browser, server: LiveServer, phone: bool) -> None:
    _fill_hub(server)
    context = open_context(chromium, server, phone=phone)
    watch = watched(context, server)
    page = context.new_page()
    log_in(page, "ada", "a long passphrase")
    for path in ("/partners", f"/partners/{'x' * 32}", "/partners/apply", "/admin/partners"):
        page.goto(path)
        assert page.get_by_role("heading", level=1).is_visible()
        assert _fits(page), f"{path} is wider than the window: {_too_wide(page)}"
    page.goto(f"/partners/{'x' * 32}")
    page.get_by_label("Token name").fill("ci")
    page.get_by_role("button", name="Create token").click()
    assert page.get_by_label("Partner token", exact=True).input_value().startswith("mhp_")
    assert _fits(page), _too_wide(page)
    context.close()
    assert watch.problems == []
