"""A refused upload in a real browser: the problems appear next to the fields they concern, in
plain words, the form fixes them, and the fixed package is accepted."""

from __future__ import annotations

import base64
from pathlib import Path

import yaml
from playwright.sync_api import Page, expect

from modelhub.catalog.models import ResourceVersion
from tests.browser.conftest import log_in
from tests.conftest import LiveServer, make_user
from tests.functional.review.common import build_zip
from tests.functional.uploads_pages.common import PASSWORD, package_zip


def test_a_refused_upload_shows_its_errors_and_the_form_fixes_them(
    browser_page: Page, server: LiveServer, tmp_path: Path
) -> None:
    page = browser_page
    data, _ = package_zip(tmp_path, license="my-own-license", authors=None)
    package = tmp_path / "my-model.zip"
    package.write_bytes(data)
    make_user(server.hub, "uma", password=PASSWORD)
    log_in(page, "uma", PASSWORD)

    page.get_by_role("link", name="Upload", exact=True).click()
    page.get_by_label("Package zip file").set_input_files(package)
    page.get_by_role("button", name="Upload", exact=True).click()

    # the refusal replaces the form in place; each problem sits next to its field
    license_error = page.locator("#license-error")
    expect(license_error).to_contain_text("not an SPDX license identifier")
    expect(page.get_by_label("License")).to_have_attribute("aria-invalid", "true")
    expect(page.locator("#authors-error")).to_be_visible()
    expect(page.locator("#package-problems")).to_have_count(0)
    assert "Input should be" not in page.locator("main").inner_text()  # no library jargon

    page.get_by_label("License").select_option("MIT")
    page.locator("#authors-0-name").fill("Ada Lovelace")
    page.locator("#authors-0-affiliation").fill("Analytical Engines Lab")
    page.get_by_role("button", name="Check and upload").click()

    page.wait_for_url("**/upload/*")
    expect(page.locator("#revision-status")).to_contain_text("raft")
    resource_id = page.url.split("/upload/")[1].split("?")[0]
    with server.hub.sessions() as db:
        version = db.query(ResourceVersion).filter_by(resource_id=resource_id).one()
        rdf = version.rdf
    assert rdf["license"] == "MIT"
    assert rdf["authors"][0]["name"] == "Ada Lovelace"
    served = page.request.get(f"/artifacts/{resource_id}/draft/files/rdf.yaml")
    assert yaml.safe_load(served.text())["license"] == "MIT"


def test_a_zip_dropped_on_the_drop_zone_is_uploaded(
    browser_page: Page, server: LiveServer, tmp_path: Path
) -> None:
    page = browser_page
    make_user(server.hub, "uma", password=PASSWORD)
    log_in(page, "uma", PASSWORD)
    page.goto("/upload")
    encoded = base64.b64encode(build_zip(tmp_path)).decode()
    # what the browser hands the page when a file is dropped on it
    dropped = page.evaluate_handle(
        """([encoded, name]) => {
            const raw = atob(encoded);
            const bytes = new Uint8Array(raw.length);
            for (let i = 0; i < raw.length; i++) bytes[i] = raw.charCodeAt(i);
            const transfer = new DataTransfer();
            transfer.items.add(new File([bytes], name, { type: "application/zip" }));
            return transfer;
        }""",
        [encoded, "dropped-model.zip"],
    )
    page.dispatch_event("#dropzone", "dragenter", {"dataTransfer": dropped})
    page.dispatch_event("#dropzone", "drop", {"dataTransfer": dropped})
    expect(page.locator("#chosen")).to_have_text("Dropped: dropped-model.zip")
    page.get_by_role("button", name="Upload", exact=True).click()
    page.wait_for_url("**/upload/*")
    expect(page.locator("#notice")).to_contain_text("accepted")
    expect(page.locator("#revision-status")).to_contain_text("raft")
