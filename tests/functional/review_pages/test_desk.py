"""The review queue and desk over real HTTP, logged in through the login form: who sees what,
and a whole review (comment, request changes, new upload, stale desk, approve) done on pages."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import httpx
import pytest

from modelhub.accounts.models import Role
from modelhub.cli.packing import zip_folder
from modelhub.demo.builder import build_package
from tests.conftest import LiveServer, auth, changed_zip, make_user
from tests.functional.review.common import publish, upload
from tests.functional.review_pages.common import Page, logged_in, post_form

PW = "a long enough password"


@pytest.fixture(scope="module")
def packages(tmp_path_factory: pytest.TempPathFactory) -> tuple[bytes, bytes]:
    """A tiny real model, and the same model with a new description, tags and README."""
    root = tmp_path_factory.mktemp("desk-pkg")
    folder = root / "pkg"
    build_package("model-0.5-torchscript", folder, name="Desk test model")
    first = zip_folder(folder, root / "first.zip").read_bytes()
    rdf = folder / "rdf.yaml"
    before = rdf.read_text()
    after = before.replace("tags: [example, demo, smoothing,", "tags: [example, demo, blurring,")
    after = after.replace("description: 'Example (demo content)", "description: 'Changed (demo)")
    assert after.count("blurring") == 1 and "Changed (demo)" in after
    rdf.write_text(after)
    readme = folder / "README.md"
    readme.write_text(readme.read_text() + "\nMore notes for reviewers.\n")
    return first, zip_folder(folder, root / "second.zip").read_bytes()


def _redirected(r: httpx.Response) -> str:
    assert r.status_code == 303, r.text
    return r.headers["location"]


def _forms(page: Page) -> set[str]:
    return {str(a.get("action")) for a in page.all("form", method="post")}


def _twin(client: httpx.Client, path: str, **params: str) -> Any:
    r = client.get(path, params={**params, "format": "json"})
    assert r.status_code == 200, r.text
    return r.json()


def test_who_sees_the_queue_and_the_desk(
    http: httpx.Client, server: LiveServer, packages: tuple[bytes, bytes]
) -> None:
    uploader = make_user(server.hub, "mia", password=PW)
    make_user(server.hub, "sam", password=PW)
    make_user(server.hub, "rita", Role.reviewer, password=PW)
    rid = upload(http, uploader, packages[0])["resource_id"]
    desk = f"/review/{rid}"
    anonymous = http.get(desk)
    assert anonymous.status_code == 303
    assert anonymous.headers["location"] == f"/login?next=%2Freview%2F{rid}"
    assert http.get("/review", params={"format": "json"}).status_code == 401

    with logged_in(server, "sam", PW) as sam:
        assert sam.get("/review").status_code == 403
        assert sam.get(desk).status_code == 404
        assert sam.get("/admin/users").status_code == 403

    with logged_in(server, "mia", PW) as mia:
        page = Page(mia.get(desk).text)
        assert f"{desk}/actions/submit" in _forms(page) and f"{desk}/actions/withdraw" in _forms(
            page
        )
        assert not {f"{desk}/actions/approve", f"{desk}/actions/request-changes"} & _forms(page)
        assert "Review: Desk test model" in page.text
        assert "there is no previous published version" in page.text
        assert "format_version: 0.5.4" in page.text  # the whole rdf.yaml of a first version
        assert {"comment-body"} <= page.labelled()
        assert {a.get("href") for a in page.all("a")} >= {
            f"/resources/{rid}?version=draft",
            f"/artifacts/{rid}/draft/package.zip",
        }
        done = post_form(mia, desk, f"{desk}/actions/submit", revision="1")
        assert (done.status_code, done.headers["location"]) == (303, f"{desk}?done=submitted")
        after = Page(mia.get(done.headers["location"]).text)
        assert "Submitted for review" in after.text
        assert _forms(after) == {f"{desk}/comments", f"{desk}/actions/withdraw", "/logout"}
        assert mia.get("/review").status_code == 403

    with logged_in(server, "rita", PW) as rita:
        queue = Page(rita.get("/review").text)
        headers = [c for c in queue.text.split(" ") if c]
        for name in ("Resource", "Revision", "Uploader", "Waiting", "since", "Check", "Desk"):
            assert name in headers
        assert desk in {a.get("href") for a in queue.all("a")}
        assert "queue-state" in queue.labelled()
        items = _twin(rita, "/review")["items"]
        assert [(i["resource_id"], i["status"], i["uploader"]) for i in items] == [
            (rid, "in_review", "mia")
        ]
        assert items[0]["desk_url"] == desk and items[0]["check"]["status"] == "queued"
        assert _twin(rita, "/review", state="draft")["items"] == []
        assert rita.get("/review", params={"state": "published"}).status_code == 400
        page = Page(rita.get(desk).text)
        assert {f"{desk}/actions/approve", f"{desk}/actions/request-changes"} <= _forms(page)
        assert f"{desk}/actions/submit" not in _forms(page)
        fields = {
            "request-changes-message",
            "approve-message",
            "approve-override",
            "reject-message",
        }
        assert fields <= page.labelled()
        assert "the automated check has not passed (it is queued)" in page.text


def _changes(twin: dict[str, Any]) -> dict[str, str]:
    return {f["field"]: f["change"] for f in twin["diff"]["fields"]}


def test_a_whole_review_on_the_pages(
    http: httpx.Client, server: LiveServer, admin_token: str, packages: tuple[bytes, bytes]
) -> None:
    first, second = packages
    uploader = make_user(server.hub, "mia", password=PW)
    make_user(server.hub, "rita", Role.reviewer, password=PW)
    rid = upload(http, uploader, first)["resource_id"]
    publish(http, admin_token, rid)
    upload(http, uploader, changed_zip(first, "Revised."), resource_id=rid)
    desk = f"/review/{rid}"
    with logged_in(server, "mia", PW) as mia:
        _redirected(post_form(mia, desk, f"{desk}/actions/submit", revision="2"))

    with logged_in(server, "rita", PW) as rita:
        no_csrf = rita.post(f"{desk}/comments", data={"body": "hello", "revision": "2"})
        assert no_csrf.status_code == 403
        body = "Please add a **cover**. <script>alert(1)</script>"
        noted = post_form(rita, desk, f"{desk}/comments", body=body, revision="2")
        assert noted.status_code == 303
        assert noted.headers["location"].startswith(f"{desk}?done=commented#comment-")
        html = rita.get(noted.headers["location"]).text
        assert "<strong>cover</strong>" in html and "<script>alert(1)" not in html
        assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html and "Your comment was added." in html

        empty = post_form(rita, desk, f"{desk}/actions/request-changes", revision="2", message=" ")
        assert empty.status_code == 400
        assert "Please write a message that tells the uploader" in Page(empty.text).text
        assert 'class="field-error" id="request-changes-message-error"' in empty.text
        sent = post_form(
            rita, desk, f"{desk}/actions/request-changes", revision="2", message="Add a cover."
        )
        assert (sent.status_code, sent.headers["location"]) == (
            303,
            f"{desk}?done=changes_requested",
        )
        assert _twin(rita, desk)["review"]["status"] == "changes_requested"

    upload(http, uploader, second, resource_id=rid, change_note="blurring now")
    with logged_in(server, "rita", PW) as rita:
        stale = post_form(
            rita, desk, f"{desk}/actions/approve", revision="2", override_reason="looked at it"
        )
        assert stale.status_code == 409
        assert "A newer revision was uploaded" in Page(stale.text).text
        assert 'name="revision" value="3"' in stale.text  # the desk now shows the new one
        twin = _twin(rita, desk)
        assert (twin["review"]["revision"], twin["diff"]["previous"]) == (3, "v1")
        assert _changes(twin) == {
            "name": "unchanged", "description": "changed", "tags": "changed",
            "license": "unchanged", "authors": "unchanged", "weights": "unchanged",
            "inputs": "unchanged", "outputs": "unchanged", "covers": "unchanged",
            "documentation": "changed",
        }  # fmt: skip
        files = {f["path"]: f["change"] for f in twin["diff"]["files"]}
        assert files == {"README.md": "changed", "rdf.yaml": "changed"}
        html = rita.get(desk).text
        assert '<span class="line add">' in html and "+tags: [example, demo, blurring," in html
        assert '<span class="line del">' in html and "-tags: [example, demo, smoothing," in html

    with logged_in(server, "mia", PW) as mia:
        _redirected(post_form(mia, desk, f"{desk}/actions/submit", revision="3"))
    with logged_in(server, "rita", PW) as rita:
        gated = post_form(rita, desk, f"{desk}/actions/approve", revision="3", message="Thanks!")
        assert gated.status_code == 409
        assert "still waiting for its automated check" in Page(gated.text).text
        assert 'id="approve-override-error"' in gated.text and "Thanks!</textarea>" in gated.text
        done = post_form(
            rita, desk, f"{desk}/actions/approve", revision="3", override_reason="checked by hand"
        )
        assert (done.status_code, done.headers["location"]) == (303, f"/resources/{rid}?version=v2")
        assert rita.get(done.headers["location"]).status_code == 200
        closed = Page(rita.get(desk).text)
        assert "has no open revision now" in closed.text
    history = http.get(f"/api/v1/resources/{rid}/history", headers=auth(admin_token)).json()
    assert history[-1]["override_reason"] == "checked by hand"
    assert [e["action"] for e in history[-3:]] == ["request_changes", "submit", "approve"]


def test_reject_and_withdraw_on_the_pages(
    http: httpx.Client, server: LiveServer, packages: tuple[bytes, bytes], tmp_path: Path
) -> None:
    uploader = make_user(server.hub, "mia", password=PW)
    make_user(server.hub, "rita", Role.reviewer, password=PW)
    rid = upload(http, uploader, packages[0])["resource_id"]
    desk = f"/review/{rid}"
    with logged_in(server, "mia", PW) as mia:
        _redirected(post_form(mia, desk, f"{desk}/actions/submit", revision="1"))
        refused = post_form(mia, desk, f"{desk}/actions/approve", revision="1", override_reason="x")
        assert refused.status_code == 403 and "Only reviewers and admins" in refused.text
    with logged_in(server, "rita", PW) as rita:
        unsaid = post_form(rita, desk, f"{desk}/actions/reject", revision="1")
        assert unsaid.status_code == 400
        gone = post_form(rita, desk, f"{desk}/actions/reject", revision="1", message="Off-topic.")
        assert gone.headers["location"] == f"{desk}?done=rejected"
        assert "The revision was rejected." in rita.get(gone.headers["location"]).text
    second = upload(http, uploader, packages[0], resource_id=rid)
    with logged_in(server, "mia", PW) as mia:
        left = post_form(mia, desk, f"{desk}/actions/withdraw", revision=str(second["revision"]))
        assert left.headers["location"] == f"{desk}?done=withdrawn"
        assert _twin(mia, desk)["review"] is None
