"""A partner's landing page and its filtered catalog in a real browser, at phone and desktop
widths, with a long unbroken name and long partner-given texts: the splash with its stored
images (an SVG with a script shown by <img>, where it never runs), the explore button, the
catalog of the partner's items, the home page's partner row; nothing wider than the window."""

from __future__ import annotations

import pytest
from playwright.sync_api import Browser, Page
from playwright.sync_api import TimeoutError as PlaywrightTimeout

from modelhub.accounts import service as accounts
from modelhub.accounts.models import Role
from modelhub.db import transaction
from modelhub.fetch.policy import FetchPolicy
from modelhub.partners import service
from modelhub.partners.appearance import fetch_images, store_appearance
from modelhub.partners.models import Partner
from modelhub.partners.schemas import ApplicationCreate
from tests.browser.conftest import open_context, watched
from tests.conftest import LiveServer
from tests.fileserver import Route, file_server
from tests.functional.search import corpus
from tests.pictures import SVG_WITH_SCRIPT, png

LONG = "Supercalifragilistic" * 8
PARTNER = "lab"
CONFIG = {
    "logo": "logo.png",
    "background_image": "back.svg",
    "splash_title": LONG,
    "splash_subtitle": "Sub" + "title" * 60,
    "splash_feature_list": ["Feature" * 30, "Short"],
    "explore_button_text": "Explore" * 8,
    "about_url": "https://lab.example.org/" + "about" * 100,
    "tags": ["lab-tools"],
    "resource_types": ["model", "application"],
    "default_type": "model",
}


def _fill_hub(server: LiveServer) -> None:
    hub = server.hub
    with transaction(hub.sessions) as db:
        admin = accounts.create_user(db, username="ada", role=Role.admin)
        data = ApplicationCreate(
            name=LONG, description="A lab.", resources="Models.", maintenance_plan="Yes.",
            collection_url="https://lab.example.org/collection.yaml",
        )  # fmt: skip
        application = service.apply(db, applicant=admin, data=data)
        service.approve(db, application_id=application.id, actor=admin, partner_id=PARTNER)
    routes = {"/c/logo.png": Route(png(64, 64)), "/c/back.svg": Route(SVG_WITH_SCRIPT)}
    with file_server(routes) as files:
        rules = FetchPolicy(max_bytes=10**7, allow_hosts=frozenset({("127.0.0.1", files.port)}))
        found = fetch_images(
            CONFIG, base_url=files.url("/c/collection.yaml"), policy=rules, storage=hub.storage
        )
    with transaction(hub.sessions) as db:
        partner = db.get(Partner, PARTNER)
        assert partner is not None
        assert store_appearance(db, partner, CONFIG, found) == []
    corpus.build(
        hub,
        [
            corpus.Spec(f"{PARTNER}/cells", "Cells" + "x" * 150, day=1),
            corpus.Spec(f"{PARTNER}/viewer", "Viewer", type="application", day=2),
            corpus.Spec("elsewhere", "Tagged model", tags=["lab-tools"], day=3),
            corpus.Spec("unrelated", "Unrelated model", day=4),
        ],
    )


def _fits(page: Page) -> list[str]:
    """The elements reaching beyond the window (none when the page fits)."""
    found: list[str] = page.evaluate(
        "document.documentElement.scrollWidth > window.innerWidth ? "
        "[...document.querySelectorAll('body *')]"
        ".filter(e => e.getBoundingClientRect().right > window.innerWidth + 1)"
        ".map(e => e.tagName + '.' + e.className).slice(0, 8).concat(['page']) : []"
    )
    return found


def _loaded(page: Page, selector: str) -> bool:
    """Whether the image shows, waiting for it: the page's images load lazily, so the page's
    load event can come before them."""
    script = (
        "s => { const i = document.querySelector(s); return i && i.complete && i.naturalWidth > 0 }"
    )
    try:
        page.wait_for_function(script, arg=selector, timeout=10_000)
    except PlaywrightTimeout:
        return False
    return True


@pytest.mark.parametrize("phone", [True, False], ids=["phone", "desktop"])
def test_a_partner_landing_page_and_its_catalog(
    chromium: Browser, server: LiveServer, phone: bool
) -> None:
    _fill_hub(server)
    context = open_context(chromium, server, phone=phone)
    watch = watched(context, server)
    page = context.new_page()

    page.goto("/")
    row = page.locator(".partner-row a")
    assert row.count() == 1 and _loaded(page, ".partner-row img")
    assert _fits(page) == []
    row.first.click()
    page.wait_for_url(f"**/partners/{PARTNER}")

    assert page.get_by_role("heading", level=1).is_visible()
    assert page.locator(".splash-title").inner_text() == LONG
    assert _loaded(page, "img.splash-logo") and _loaded(page, "img.splash-bg")
    title = page.title()
    assert "ran" not in title  # the SVG's script did not run
    assert _fits(page) == []

    page.locator("#explore").click()
    page.wait_for_url("**/?partner=lab&type=model")
    assert page.locator("#partner-banner").is_visible()
    names = page.locator(".cards .card-name").all_inner_texts()
    assert len(names) == 2 and any("Tagged model" in n for n in names)
    tabs = page.locator(".type-tabs a").all_inner_texts()
    assert [t.split()[0] for t in tabs] == ["All", "Models", "Applications"]
    assert _fits(page) == []
    page.locator(".type-tabs a", has_text="All").click()
    page.wait_for_url("**/?partner=lab")
    assert page.locator(".cards .card-name").count() == 3
    assert _fits(page) == []
    context.close()
    assert watch.problems == []
