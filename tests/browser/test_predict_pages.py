"""Running a model from the browser on a hub that really runs it (Dask workers, the bubblewrap
sandbox): the test image in one click on a phone, and on a desktop an image stack whose axes the
dry run explains, corrected by hand, then the plane picker; no page is wider than the screen."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest
from playwright.sync_api import Browser, Page, expect

from tests.browser.conftest import log_in, open_context, watched
from tests.conftest import make_user
from tests.functional.predictions.conftest import Running, running

__all__ = ["running"]

pytestmark = pytest.mark.slow


@pytest.fixture(params=["phone", "desktop"])
def signed_in(
    request: pytest.FixtureRequest, chromium: Browser, running: Running
) -> Iterator[Page]:
    """A signed-in person's tab, 390 or 1280 px wide; fails on any page problem."""
    name = f"bea-{request.param}"
    make_user(running.server.hub, name, password="a long enough password")
    context = open_context(chromium, running.server, phone=request.param == "phone")
    watch = watched(context, running.server)
    page = context.new_page()
    log_in(page, name, "a long enough password")
    yield page
    context.close()
    assert not watch.problems, "\n".join(watch.problems)


def _no_overflow(page: Page) -> None:
    wide = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
    culprits = page.evaluate(
        "[...document.querySelectorAll('main *')].filter(e => e.getBoundingClientRect().right >"
        " window.innerWidth).map(e => e.tagName + '#' + e.id + '.' + e.className).slice(0, 5)"
    )
    assert wide <= 0, f"{page.url} is {wide}px wider than the screen: {culprits}"


def _previews_loaded(page: Page) -> None:
    for img in page.locator("#previews img").all():
        expect(img).to_have_js_property("complete", True)
        assert img.evaluate("i => i.naturalWidth") > 0


def test_run_from_the_browser(signed_in: Page, running: Running, tmp_path: Path) -> None:
    page = signed_in
    page.goto(f"/resources/{running.model}")
    page.get_by_role("link", name="Run on your image").click()
    expect(page.get_by_role("heading", name="Run this model on your images")).to_be_visible()
    expect(page.locator("#limits")).to_contain_text("predictions an hour")
    _no_overflow(page)
    phone = page.viewport_size is not None and page.viewport_size["width"] < 500
    if phone:
        page.get_by_role("button", name="Try it with the test image").click()
    else:
        # a stack of three planes: guessed as channels, which this model refuses; b fits
        stack = tmp_path / ("an-image-stack-with-a-very-long-unbroken-name-" * 3 + ".npy")
        np.save(stack, np.random.default_rng(1).random((3, 40, 48)).astype("float32"))
        page.get_by_label("Image files").set_input_files(stack)
        expect(page.locator(".guess .bad")).to_contain_text("channel")
        page.get_by_label("Axes of your images").fill("byx")
        page.get_by_label("Axes of your images").press("Tab")
        expect(page.locator(".guess")).to_contain_text("read as byx (3 × 40 × 48")
        _no_overflow(page)
        page.get_by_role("button", name="Run the model").click()
    page.wait_for_url("**/predictions/*")
    expect(page.locator("#status")).to_have_text("Done", timeout=120_000)
    expect(page.locator("img.output-preview")).to_be_visible()
    _previews_loaded(page)
    expect(page.get_by_role("link", name="TIFF")).to_be_visible()
    expect(page.locator("#planes")).to_have_count(0 if phone else 1)
    if not phone:
        before = page.locator("img.output-preview").get_attribute("src")
        page.get_by_label("Batch").select_option("2")
        expect(page.locator("img.output-preview")).not_to_have_attribute("src", before or "")
        assert "b=2" in (page.locator("img.input-preview").get_attribute("src") or "")
        _previews_loaded(page)
    _no_overflow(page)
    page.get_by_role("link", name="My predictions").click()
    expect(page.locator("#my-predictions li")).to_have_count(1)
    _no_overflow(page)
