"""Asking for a sync: the partner's CI with its token, its maintainers (API and page button);
one queued sync per partner however often it is asked; the result on the partner's page."""

from __future__ import annotations

import httpx

from modelhub.db import transaction
from modelhub.jobs.models import Job
from modelhub.partner_sync.inline import run_here
from modelhub.partners import registry, tokens
from modelhub.wiring import sync_settings
from tests.conftest import LiveServer, auth, make_user
from tests.fileserver import FileServer
from tests.functional.partner_sync.conftest import (
    COLLECTION,
    add_partner,
    collection,
    dataset,
    serve,
)
from tests.functional.review_pages.common import Page, logged_in, post_form


def _token(server: LiveServer, partner_id: str) -> str:
    with transaction(server.hub.sessions) as db:
        _, secret = tokens.create_token(db, partner_id=partner_id, actor=None, name="ci")
    return secret


def test_partner_ci_hook_queues_one_sync_and_the_page_shows_its_result(
    server: LiveServer, http: httpx.Client, files: FileServer
) -> None:
    hub = server.hub
    serve(files, collection(dataset("cells"), {"id": "broken"}))
    add_partner(hub, files.url(COLLECTION))
    add_partner(hub, files.url("/other.yaml"), "other")
    secret, foreign = _token(server, "lab"), _token(server, "other")
    first = http.post("/api/v1/partners/lab/sync", headers=auth(secret))
    assert first.status_code == 202, first.text
    again = http.post("/api/v1/partners/lab/sync", headers=auth(secret))
    assert again.json()["job_id"] == first.json()["job_id"]  # one sync at a time
    wrong = http.post("/api/v1/partners/lab/sync", headers=auth(foreign))
    assert wrong.status_code == 403, wrong.text
    assert "wrong_partner" in wrong.text
    assert http.post("/api/v1/partners/lab/sync").status_code == 401
    assert http.post("/api/v1/partners/nope/sync", headers=auth(secret)).status_code == 404
    job = run_here(hub, job_id=first.json()["job_id"], settings=sync_settings(hub.settings))
    assert job.status.value == "succeeded"
    body = http.get("/api/v1/partners/lab").json()
    assert body["sync"]["last_success_at"] and body["sync"]["report"]["added"] == 1
    by_key = {e["key"]: e for e in body["entries"]}
    assert by_key["cells"]["resource_id"] == "lab/cells"
    assert by_key["broken"]["status"] == "failed" and by_key["broken"]["error"]
    assert [r["id"] for r in body["resources"]] == ["lab/cells"]
    # after a finished sync, asking again queues a new one
    later = http.post("/api/v1/partners/lab/sync", headers=auth(secret))
    assert later.json()["job_id"] != first.json()["job_id"]
    page = Page(http.get("/partners/lab").text)
    assert "broken" in page.text and "invalid_entry" in page.text


def test_maintainers_and_admins_sync_from_the_page(
    server: LiveServer, http: httpx.Client, files: FileServer, member_token: str
) -> None:
    hub = server.hub
    serve(files, collection(dataset("cells")))
    add_partner(hub, files.url(COLLECTION))
    stranger = http.post("/api/v1/partners/lab/sync", headers=auth(member_token))
    assert stranger.status_code == 403
    make_user(hub, "keeper", password="keeper-password-1")
    with transaction(hub.sessions) as db:
        registry.add_maintainer(db, partner_id="lab", actor=None, name="keeper")
    with logged_in(server, "keeper", "keeper-password-1") as browser:
        done = post_form(browser, "/partners/lab", "/partners/lab/sync")
        assert done.status_code == 303 and done.headers["location"].endswith("done=sync")
    with transaction(hub.sessions) as db:
        queued = db.query(Job).filter(Job.kind == "partner_sync").all()
        assert [j.payload["partner_id"] for j in queued] == ["lab"]
