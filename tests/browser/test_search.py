"""Finding a model in a real browser: task words, tag filters that narrow (AND), a type tab,
sorting, paging, and the back button restoring every state; then the same on a phone."""

from __future__ import annotations

import re

from playwright.sync_api import Browser, Page, expect

from tests.browser.conftest import open_context, watched
from tests.conftest import LiveServer
from tests.functional.search import corpus
from tests.functional.search.corpus import CORPUS, Spec

# enough extra segmentation models for three pages of 20
EXTRA = [
    Spec(
        f"seg-model-{n:02d}",
        f"Cell segmentation model {n:02d}",
        description="Segments cells in fluorescence images.",
        tags=["segmentation", "cells"] + (["2d"] if n % 2 else ["3d"]),
        formats=["onnx"] if n % 3 else ["torchscript"],
        day=10 + n,
    )
    for n in range(45)
]


def _names(page: Page) -> list[str]:
    return page.locator(".cards .card-name").all_inner_texts()


def test_search_filters_sorting_paging_and_the_back_button(
    browser_page: Page, server: LiveServer
) -> None:
    corpus.build(server.hub, [*CORPUS, *EXTRA])
    page = browser_page
    page.goto("/")
    expect(page.locator("#results-count")).to_have_text("52 resources")

    # task words
    page.get_by_label("Search models and other resources").fill("segmentation")
    page.get_by_role("button", name="Search").click()
    expect(page.locator("#results-count")).to_have_text("51 resources")
    expect(page).to_have_url(re.compile(r"q=segmentation"))

    # two tags narrow the results: both must hold (AND), never either (OR)
    filters = page.locator("aside.filters")
    filters.get_by_role("link", name="cells").click()
    expect(page.locator("#results-count")).to_have_text("45 resources")
    filters.get_by_role("link", name="2d", exact=True).click()
    expect(page.locator("#results-count")).to_have_text("22 resources")
    expect(page).to_have_url(re.compile(r"tags=cells.*tags=2d|tags=2d.*tags=cells"))
    assert all("Cell segmentation model" in name for name in _names(page))

    # sort by name, then go to page 2
    page.get_by_label("Sort by").select_option("name")
    expect(page).to_have_url(re.compile(r"sort=name"))
    first_page = _names(page)
    assert first_page == sorted(first_page)
    page.get_by_role("link", name="Next").click()
    expect(page.get_by_text("Page 2 of 2")).to_be_visible()
    second_page = _names(page)
    assert second_page and set(second_page).isdisjoint(first_page)

    # back: page 1 of the same filtered, sorted results; forward: page 2 again
    page.go_back()
    expect(page.get_by_text("Page 1 of 2")).to_be_visible()
    expect(page.locator("#results-count")).to_have_text("22 resources")
    assert _names(page) == first_page
    expect(page.get_by_label("Sort by")).to_have_value("name")
    page.go_forward()
    assert _names(page) == second_page

    # removing one filter chip keeps the rest
    page.get_by_role("list", name="Active filters").get_by_role(
        "link", name=re.compile("2d")
    ).click()
    expect(page.locator("#results-count")).to_have_text("45 resources")

    # a shared link restores everything in a fresh tab
    shared = page.url
    other = page.context.new_page()
    other.goto(shared)
    expect(other.locator("#results-count")).to_have_text("45 resources")
    expect(other.get_by_label("Sort by")).to_have_value("name")
    other.close()


def test_the_catalog_and_a_card_on_a_phone(chromium: Browser, server: LiveServer) -> None:
    corpus.build(server.hub)
    context = open_context(chromium, server, phone=True)
    watch = watched(context, server)
    page = context.new_page()
    page.goto("/?q=nucleus")
    card = page.locator(".cards .card").first
    expect(card).to_contain_text("Nucleus segmentation UNet")
    # nothing wider than the screen: no sideways scrolling on a phone
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 390, width
    card.get_by_role("link", name=re.compile("Nucleus segmentation UNet")).click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Nucleus segmentation UNet")
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 390, width
    context.close()
    assert not watch.problems, "\n".join(watch.problems)
