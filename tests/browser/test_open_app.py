"""An application opened with a model in a real browser: the page inside the sandboxed frame
reads the model's context (from its address and from the hub's message) and can read neither
the hub's cookies nor the hub's page around it."""

from __future__ import annotations

from pathlib import Path

import httpx
from playwright.sync_api import Page, expect

from modelhub.accounts.models import Role
from tests.browser.conftest import log_in
from tests.conftest import LiveServer, make_user
from tests.functional.applications.common import APP_NAME, model_and_app

PASSWORD = "a long enough password"


def test_the_application_reads_its_context_and_nothing_of_the_hub(
    browser_page: Page, server: LiveServer, tmp_path: Path
) -> None:
    admin = make_user(server.hub, "ada", Role.admin, password=PASSWORD)
    with httpx.Client(base_url=server.url, timeout=60) as http:
        model, app = model_and_app(http, admin, tmp_path)
    page = browser_page
    log_in(page, "ada", PASSWORD)
    # a cookie of the hub that scripts could read, were they on the hub's origin
    page.context.add_cookies([{"name": "probe", "value": "hub-secret", "url": server.url}])
    assert "hub-secret" in page.evaluate("document.cookie")

    page.goto(f"/resources/{model}")
    page.get_by_role("link", name=f"Open in {APP_NAME}").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text(APP_NAME)
    frame = page.frame_locator("#app-frame")
    rdf_url = f"{server.url}/artifacts/{model}/v1/files/rdf.yaml"
    expect(frame.locator("#from-fragment")).to_have_text(f"{model} v1 {rdf_url}")
    expect(frame.locator("#from-message")).to_have_text(f"{model} v1 {rdf_url}")
    expect(frame.locator("#cookies")).to_have_text("refused")
    expect(frame.locator("#parent")).to_have_text("refused")
    assert "hub-secret" not in frame.locator("body").inner_text()
    # the frame's document has an origin of its own: opaque ("null")
    inner = next(f for f in page.frames if f"/artifacts/{app}/v1/app/index.html#id=" in f.url)
    assert inner.evaluate("self.origin") == "null"
