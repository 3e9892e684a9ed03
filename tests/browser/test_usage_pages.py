"""Download statistics in a real browser at phone and desktop widths: the hub statistics page, a
model page's Downloads section and the catalog's cards fit the window, the charts' text stays
readable, and nothing is loaded from outside the hub."""

from __future__ import annotations

import httpx
import pytest
from playwright.sync_api import Browser, Page

from modelhub.hub import Hub
from modelhub.pages.resource import ResourceCard
from tests.browser.conftest import open_context, watched
from tests.conftest import serving_in_thread
from tests.functional.pages.usage_data import (
    CARD_PATH,
    STATS_PATH,
    add_previews,
    hub_usage,
    section,
)
from tests.functional.search import corpus

IDS = ["nucleus-unet", "cell-tracker"]

# elements reaching past the window's right edge, but for those inside a box that clips or
# scrolls them (a ``.table-wrap``, a ``pre``, the visually hidden tables): that box must fit
_WIDER = """
[...document.querySelectorAll('body *')].filter(e => {
  for (let p = e.parentElement; p && p !== document.body; p = p.parentElement) {
    if (getComputedStyle(p).overflowX !== 'visible') return false;
  }
  return e.getBoundingClientRect().right > window.innerWidth + 1;
}).map(e => e.tagName + '.' + e.getAttribute('class')).slice(0, 8)
"""


def _fits(page: Page) -> list[str]:
    wider: list[str] = page.evaluate(_WIDER)
    if page.evaluate("document.documentElement.scrollWidth > window.innerWidth"):
        wider.append("page")
    return wider


def _chart_text_px(page: Page) -> list[float]:
    """The height in CSS pixels of 12 units of each chart's text (its font size on screen)."""
    sizes: list[float] = page.evaluate(
        "[...document.querySelectorAll('svg.chart-svg')].map(s => "
        "s.getBoundingClientRect().width / s.viewBox.baseVal.width * 12)"
    )
    return sizes


@pytest.mark.parametrize("phone", [True, False], ids=["phone", "desktop"])
def test_usage_pages_fit_the_window(chromium: Browser, hub: Hub, phone: bool) -> None:
    corpus.build(hub)
    cards: dict[str, ResourceCard] = {}
    with serving_in_thread(hub, lambda app: add_previews(app, hub_usage(IDS), cards)) as live:
        card = httpx.get(f"{live.url}/resources/nucleus-unet?format=json").json()
        cards["card"] = ResourceCard.model_validate(card).model_copy(
            update={"usage": section("nucleus-unet")}
        )
        context = open_context(chromium, live, phone=phone)
        watch = watched(context, live)
        page = context.new_page()
        for path, charts in ((STATS_PATH, 3), (CARD_PATH, 1), ("/", 0)):
            page.goto(path)
            assert _fits(page) == [], path
            sizes = _chart_text_px(page)
            assert len(sizes) == charts
            # readable on a phone, not shouting on a desktop
            assert all(10 <= s <= 18 for s in sizes), (path, sizes)
        page.goto("/?q=nucleus")
        assert page.locator(".card .downloads").first.inner_text() == "0 downloads"
        page.goto(CARD_PATH)
        page.get_by_role("link", name="Downloads").click()
        assert page.locator("#usage svg[role=img]").is_visible()
        context.close()
    assert not watch.problems, "\n".join(watch.problems)
