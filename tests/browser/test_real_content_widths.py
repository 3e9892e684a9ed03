"""Pages hold with real content: the demo content (``modelhub serve --demo``) plus one dataset
whose name, description, tag and file name are long unbroken words. At 320, 390 and 1280 px
the catalog, a search, a tag filter, a demo model's card, the long dataset's card and the upload
page are no wider than the window, card descriptions stop at two lines, covers share one
shape, and the upload page shows no empty progress bar."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
import yaml
from playwright.sync_api import Browser, Page
from sqlalchemy import select

from modelhub.accounts.models import User
from modelhub.app import build_hub
from modelhub.demo.builder import build_package
from modelhub.demo.seed import DEMO_USER, publish_folder, seed_demo
from tests.browser.conftest import log_in, watched
from tests.conftest import LiveServer, hub_settings, make_user, serving_in_thread

NAME = "Unbroken" * 8  # 64 characters, the most a package name may have
WORD = "Supercalifragilistic" * 12  # one word of 240 characters
TAG = "fluorescence" * 8
FILE = "image_" + "x" * 150 + ".png"
PASSWORD = "a long enough password"


def _add_long_dataset(root: Path) -> None:
    """Rewrite a built dataset so that its description, a tag and an attachment's file name
    are single words far wider than a phone."""
    rdf_path = root / "rdf.yaml"
    rdf = yaml.safe_load(rdf_path.read_text())
    rdf["description"] = WORD
    rdf["tags"] = [*rdf["tags"], TAG]
    (root / "image_0.png").rename(root / FILE)
    for attachment in rdf["attachments"]:
        if attachment["source"] == "image_0.png":
            attachment["source"] = FILE
    rdf_path.write_text(yaml.safe_dump(rdf, sort_keys=False))


@pytest.fixture(scope="module")
def demo_hub(
    migrated_template: str, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[LiveServer]:
    """One hub for the module (seeding takes seconds): the demo content, the long dataset and
    a member who can log in."""
    tmp = tmp_path_factory.mktemp("widths")
    hub = build_hub(hub_settings(migrated_template, tmp))
    seed_demo(hub)
    with hub.sessions() as db:
        demo_user = db.scalar(select(User.id).where(User.username == DEMO_USER))
    assert demo_user is not None
    built = build_package("dataset-0.5", tmp / "long-src", name=NAME)
    _add_long_dataset(built.root)
    publish_folder(hub, demo_user, built.root, tmp / "long-staged")
    make_user(hub, "wren", password=PASSWORD)
    with serving_in_thread(hub) as live:
        yield live
    hub.engine.dispose()


def _too_wide(page: Page) -> list[str]:
    """The elements reaching beyond the window (none when the page fits)."""
    found: list[str] = page.evaluate(
        "document.documentElement.scrollWidth > window.innerWidth ? "
        "[...document.querySelectorAll('body *')]"
        ".filter(e => e.getBoundingClientRect().right > window.innerWidth + 1"
        " && !e.closest('.table-wrap, pre'))"
        ".map(e => e.tagName + '.' + e.className + ' '"
        " + Math.round(e.getBoundingClientRect().right)).slice(0, 8) : []"
    )
    return found


def _fits(page: Page, path: str) -> None:
    page.goto(path)
    wide = _too_wide(page)
    assert wide == [], f"{path} is wider than the window: {wide}"


@pytest.mark.parametrize("width", [320, 390, 1280])
def test_pages_hold_with_real_content(chromium: Browser, demo_hub: LiveServer, width: int) -> None:
    context = chromium.new_context(base_url=demo_hub.url, viewport={"width": width, "height": 900})
    context.set_default_timeout(15_000)
    watch = watched(context, demo_hub)
    page = context.new_page()

    _fits(page, "/")
    cards = page.locator(".cards .card")
    assert cards.count() == 7
    # a description shows at most two lines; every cover has the same shape
    for summary in page.locator(".card .summary").all():
        lines = summary.evaluate(
            "e => e.getBoundingClientRect().height / parseFloat(getComputedStyle(e).lineHeight)"
        )
        assert lines <= 2.05, summary.inner_text()[:60]
    ratio = "e => e.getBoundingClientRect().width / e.getBoundingClientRect().height"
    shapes = {round(c.evaluate(ratio), 2) for c in page.locator(".card .cover").all()}
    assert len(shapes) == 1, shapes

    for help_path in ("/help", "/help/build-a-package", "/help/tags", "/help/api"):
        _fits(page, help_path)
    _fits(page, "/?q=nuclei")
    assert page.locator(".cards .card").count() >= 2
    _fits(page, "/?q=" + NAME)
    assert page.locator(".card-name", has_text=NAME).count() == 1
    page.locator(".cards .tags a", has_text=TAG).first.click()
    page.wait_for_url(f"**{TAG}**")
    assert page.locator(".cards .card").count() == 1
    assert _too_wide(page) == []

    page.locator(".cards .card-name a").first.click()
    page.wait_for_url("**/resources/**")
    assert _too_wide(page) == [], _too_wide(page)
    assert FILE in page.content()

    # every demo resource's card: three models (their covers, inputs and outputs), a dataset,
    # a notebook and an application
    _fits(page, "/")
    paths: list[str] = page.locator(".cards .card-name a").evaluate_all(
        "links => links.map(a => a.pathname)"
    )
    with_io = 0
    for path in paths:
        _fits(page, path)
        with_io += page.locator("table.io").count() > 0
    assert len(paths) == 7 and with_io == 3

    log_in(page, "wren", PASSWORD)
    _fits(page, "/upload")
    assert not page.locator("#upload-progress-wrap").is_visible()
    assert not page.get_by_text("Upload progress").is_visible()

    context.close()
    assert watch.problems == []
