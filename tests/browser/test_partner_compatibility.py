"""A partner's collection synced from its server on loopback, its CI pushing a test summary,
and in a real browser at phone and desktop widths: the catalog's "works with" filter keeps the
model the partner reported compatible, its card carries the badge, and the model page (a
namespaced id) shows the partner's result; nothing wider than the window."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from playwright.sync_api import Browser, Page

from modelhub.db import transaction
from modelhub.partners import tokens
from tests.browser.conftest import open_context, watched
from tests.conftest import LiveServer, auth
from tests.fileserver import FileServer, file_server
from tests.functional.partner_sync.conftest import (
    COLLECTION,
    add_partner,
    collection,
    dataset,
    entries,
    serve,
    sync,
)

LONG = "Unbroken" * 15  # one word of 120 characters (names hold at most 128)


@pytest.fixture
def synced(server: LiveServer, shared_model_dir: Path) -> Iterator[FileServer]:
    """Partner ``lab``: a real model (by its rdf URL) and a dataset, synced; its CI then
    pushed a passed test summary of the model."""
    hub = server.hub
    with file_server() as files:
        hub.settings.fetch_allow_hosts = files.host_port
        files.serve_folder(shared_model_dir, "/models/unet")
        model = {"id": "unet", "rdf_source": files.url("/models/unet/bioimageio.yaml")}
        serve(files, collection(model, dataset("cells", name=LONG)))
        add_partner(hub, files.url(COLLECTION))
        sync(hub)
        assert {k: e.status for k, e in entries(hub).items()} == {"unet": "ok", "cells": "ok"}
        with transaction(hub.sessions) as db:
            _, secret = tokens.create_token(db, partner_id="lab", actor=None, name="ci")
        report = {"status": "passed", "score": 1.0, "error": None, "details": "", "links": []}
        pushed = httpx.post(
            f"{server.url}/api/v1/partners/lab/test-summaries",
            json={
                "resource_id": "lab/unet",
                "version": "v1",
                "tool": "lab-viewer",
                "tool_version": "2.1.0",
                "report": report,
            },
            headers=auth(secret),
        )
        assert pushed.status_code in (200, 201), pushed.text
        yield files


def _too_wide(page: Page) -> list[str]:
    """The elements reaching beyond the window (none when the page fits)."""
    found: list[str] = page.evaluate(
        "document.documentElement.scrollWidth > window.innerWidth ? "
        "[...document.querySelectorAll('body *')]"
        ".filter(e => e.getBoundingClientRect().right > window.innerWidth + 1)"
        ".map(e => e.tagName + '.' + e.className + ' '"
        " + Math.round(e.getBoundingClientRect().right)).slice(0, 12) : []"
    )
    return found


@pytest.mark.parametrize("phone", [True, False], ids=["phone", "desktop"])
def test_the_works_with_filter_badge_and_model_page(
    chromium: Browser, server: LiveServer, synced: FileServer, phone: bool
) -> None:
    context = open_context(chromium, server, phone=phone)
    watch = watched(context, server)
    page = context.new_page()
    page.goto("/")
    assert page.locator(".cards .card-name").count() == 2 and _too_wide(page) == []
    page.locator("#compatible").select_option("lab")
    page.locator(".compat-filter button").click()
    page.wait_for_url("**compatible=lab**")
    cards = page.locator(".cards .card")
    assert cards.count() == 1
    badge = cards.first.locator(".badge.compat")
    assert badge.first.inner_text().startswith("compatible with")
    assert _too_wide(page) == []
    cards.first.locator("a").first.click()
    page.wait_for_url("**/resources/lab/unet**")
    assert page.locator(".partner-results").first.is_visible()
    assert "lab-viewer" in page.locator(".partner-results").first.inner_text()
    wide = _too_wide(page)
    assert wide == [], "; ".join(wide)
    context.close()
    assert watch.problems == []
