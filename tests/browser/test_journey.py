"""The whole journey in a real browser, on real parts: a member uploads a package (drop zone
form), watches the automated check finish in the sandbox live on the upload's page, submits it;
a reviewer finds it in the queue, reads the desk, approves it; anybody then finds it by its task
words in the catalog, opens its card and downloads it."""

from __future__ import annotations

import hashlib
import zipfile
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
import yaml
from playwright.sync_api import Browser, Page, expect

from modelhub.accounts.models import Role
from tests.browser.conftest import Watch, log_in, open_context, watched
from tests.conftest import LiveServer, make_user
from tests.functional.review.common import build_zip

PASSWORD = "a long enough password"
CHECK_TIMEOUT_MS = 240_000  # a cold sandbox on a busy 2-core machine


@pytest.fixture
def checking(server: LiveServer, tmp_path: Path) -> Iterator[LiveServer]:
    """The test hub with its job dispatcher running the checks on a Dask LocalCluster."""
    from modelhub.wiring import register_job_kinds, start_dispatcher, warm_workers

    server.hub.settings.check_timeout_s = 240
    server.hub.settings.check_scratch_dir = tmp_path / "scratch"
    register_job_kinds(server.hub)
    dispatcher = start_dispatcher(server.hub)
    warm_workers(server.hub)
    # the cluster and its warm sandboxes start in this process and keep both cores busy for a
    # while: the first page may be slow, which is not what this test is about
    httpx.get(f"{server.url}/login", timeout=120).raise_for_status()
    yield server
    dispatcher.stop()
    server.hub.jobs = None


def _tab(chromium: Browser, server: LiveServer, watches: list[Watch]) -> Page:
    context = open_context(chromium, server)
    watches.append(watched(context, server))
    return context.new_page()


@pytest.mark.slow
def test_upload_check_review_publish_download(
    chromium: Browser, checking: LiveServer, tmp_path: Path
) -> None:
    server = checking
    package = tmp_path / "nucleus-detector.zip"
    package.write_bytes(build_zip(tmp_path))
    make_user(server.hub, "mo", password=PASSWORD)
    make_user(server.hub, "rita", Role.reviewer, password=PASSWORD)
    watches: list[Watch] = []

    # the uploader: upload, watch the check live, submit
    mo = _tab(chromium, server, watches)
    log_in(mo, "mo", PASSWORD)
    mo.goto("/upload")
    mo.get_by_label("Package zip file").set_input_files(package)
    mo.get_by_label("Change note").fill("First release")
    mo.get_by_role("button", name="Upload", exact=True).click()
    mo.wait_for_url("**/upload/*")
    resource_id = mo.url.split("/upload/")[1].split("?")[0]
    # no reload: the page follows the check by itself until it has passed
    expect(mo.locator("#check-status")).to_have_text("Passed", timeout=CHECK_TIMEOUT_MS)
    expect(mo.locator("#check-formats")).to_contain_text("torchscript")
    mo.get_by_role("button", name="Submit for review").click()
    expect(mo.locator("#revision-status")).to_contain_text("review")

    # the reviewer: queue → desk → approve
    rita = _tab(chromium, server, watches)
    log_in(rita, "rita", PASSWORD)
    rita.get_by_role("link", name="Review", exact=True).click()
    row = rita.locator("tr", has_text=resource_id)
    expect(row).to_contain_text("mo")
    row.get_by_role("link", name="Open the desk").click()
    expect(rita.get_by_role("heading", name="Automated check")).to_be_visible()
    rita.get_by_label("Add a comment (markdown)").fill("Looks **good**, thanks!")
    rita.get_by_role("button", name="Add comment").click()
    expect(rita.locator("strong", has_text="good")).to_be_visible()
    # the check passed: approving needs no override reason
    expect(rita.locator("#approve-override")).to_have_count(0)
    rita.get_by_role("button", name="Approve and publish").click()
    rita.wait_for_url(f"**/resources/{resource_id}?version=v1")

    # anybody: find it by task words, open the card, download it
    visitor = _tab(chromium, server, watches)
    visitor.goto("/")
    visitor.get_by_label("Search models and other resources").fill("review test")
    visitor.get_by_role("button", name="Search").click()
    visitor.locator(f"a[href='/resources/{resource_id}']").first.click()
    expect(visitor.get_by_role("heading", level=1)).to_contain_text("Review test model")
    with visitor.expect_download() as download_info:
        visitor.get_by_role("link", name="Download package (zip)").first.click()
    saved = tmp_path / "downloaded.zip"
    download_info.value.save_as(saved)
    with zipfile.ZipFile(saved) as archive:
        rdf = yaml.safe_load(archive.read("rdf.yaml"))
        weights = rdf["weights"]["torchscript"]
        data = archive.read(weights["source"])
    assert rdf["id"].startswith(resource_id)
    assert hashlib.sha256(data).hexdigest() == weights["sha256"]
    for page in (mo, rita, visitor):
        page.context.close()
    problems = [p for w in watches for p in w.problems]
    assert not problems, "\n".join(problems)
