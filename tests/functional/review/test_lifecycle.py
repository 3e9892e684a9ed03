"""The review lifecycle over real HTTP: upload → submit → changes → new upload → approve, with
the audit log, the thread, notifications, withdraw/reject, yanking and linked maintainers."""

from __future__ import annotations

from pathlib import Path

import httpx

from modelhub.accounts import service as accounts
from modelhub.accounts.models import Role
from modelhub.db import transaction
from tests.conftest import LiveServer, auth, changed_zip, make_user
from tests.functional.review.common import act, build_zip, error_code, package, publish, upload

__all__ = ["package"]  # the fixture is used by name


def _state(http: httpx.Client, token: str, rid: str) -> dict:  # type: ignore[type-arg]
    r = http.get(f"/api/v1/resources/{rid}/review", headers=auth(token))
    assert r.status_code == 200, r.text
    return r.json()  # type: ignore[no-any-return]


def test_the_whole_cycle(
    http: httpx.Client, server: LiveServer, admin_token: str, member_token: str, package: bytes
) -> None:
    rev = make_user(server.hub, "rita", Role.reviewer)
    rid = upload(http, member_token, package)["resource_id"]
    assert _state(http, member_token, rid)["actions"] == ["submit", "withdraw", "comment"]
    assert act(http, member_token, rid, "submit", message="ready").json()["status"] == "in_review"
    # the reviewer sees it in the queue, comments with markdown, asks for changes
    queue = http.get("/api/v1/review/queue", headers=auth(rev)).json()
    assert [(i["resource_id"], i["revision"]) for i in queue] == [(rid, 1)]
    assert queue[0]["uploader"] == "mo" and queue[0]["check"]["status"] == "queued"
    note = http.post(
        f"/api/v1/resources/{rid}/review/comments",
        json={"body": "Please add a **cover**. <script>alert(1)</script>"},
        headers=auth(rev),
    )
    assert note.status_code == 201, note.text
    assert "<strong>cover</strong>" in note.json()["body_html"]
    assert "<script>" not in note.json()["body_html"]
    no_message = act(http, rev, rid, "request_changes")
    assert no_message.status_code == 400 and error_code(no_message) == "message_required"
    assert no_message.json()["error"]["details"][0]["loc"] == ["body", "message"]
    back = act(http, rev, rid, "request_changes", message="Add a cover image.", revision=1)
    assert back.json()["status"] == "changes_requested"
    assert act(http, rev, rid, "approve").status_code == 409
    # the uploader answers and uploads a new revision: a fresh draft, submitted again
    http.post(
        f"/api/v1/resources/{rid}/review/comments",
        json={"body": "Done, see revision 2."},
        headers=auth(member_token),
    ).raise_for_status()
    changed = changed_zip(package, "With a cover.")
    second = upload(http, member_token, changed, resource_id=rid, change_note="cover added")
    assert (second["revision"], second["status"]) == (2, "draft")
    stale = act(http, rev, rid, "approve", revision=1, override_reason="x")
    assert stale.status_code == 409 and error_code(stale) == "revision_changed"
    act(http, member_token, rid, "submit").raise_for_status()
    # no passed check: approval needs a reason, which the audit log keeps
    gated = act(http, rev, rid, "approve")
    assert gated.status_code == 409 and error_code(gated) == "check_not_passed"
    assert "waiting for its automated check" in gated.json()["error"]["message"]
    done = act(http, rev, rid, "approve", override_reason="checked by hand", message="Thanks!")
    assert done.status_code == 201, done.text
    assert (done.json()["version"], done.json()["change_note"]) == ("v1", "cover added")
    assert http.get(f"/artifacts/{rid}/v1/files/rdf.yaml").status_code == 200

    history = http.get(f"/api/v1/resources/{rid}/history", headers=auth(member_token)).json()
    steps = [(e["revision"], e["actor"], e["from_status"], e["to_status"]) for e in history]
    assert steps == [
        (1, "mo", "draft", "in_review"),
        (1, "rita", "in_review", "changes_requested"),
        (2, "mo", "draft", "in_review"),
        (2, "rita", "in_review", "published"),
    ]
    assert history[1]["message"] == "Add a cover image."
    assert history[3]["override_reason"] == "checked by hand"
    assert all(e["created_at"] for e in history)
    assert http.get(f"/api/v1/resources/{rid}/history").status_code == 401
    stranger = make_user(server.hub, "sam")
    assert http.get(f"/api/v1/resources/{rid}/history", headers=auth(stranger)).status_code == 404

    mine = http.get("/api/v1/notifications", headers=auth(member_token)).json()
    kinds = [n["kind"] for n in mine]
    assert {"review.request_changes", "review.approve", "review.comment"} <= set(kinds)
    assert all(n["kind"] != "review.submit" for n in mine)  # nobody is told of their own act
    theirs = {n["kind"] for n in http.get("/api/v1/notifications", headers=auth(rev)).json()}
    assert {"review.submit", "review.comment"} <= theirs  # the reviewer hears the answer
    assert "review.submit" in {
        n["kind"] for n in http.get("/api/v1/notifications", headers=auth(admin_token)).json()
    }


def test_withdraw_reject_and_message_rules(
    http: httpx.Client, server: LiveServer, admin_token: str, member_token: str, package: bytes
) -> None:
    rid = upload(http, member_token, package)["resource_id"]
    assert act(http, member_token, rid, "withdraw").json()["status"] == "withdrawn"
    again = act(http, member_token, rid, "submit")
    assert again.status_code == 409 and error_code(again) == "no_draft"
    rid2 = upload(http, member_token, package)["resource_id"]
    act(http, member_token, rid2, "submit").raise_for_status()
    rejected = act(http, admin_token, rid2, "reject", message="Not a bioimage model.")
    assert rejected.json()["status"] == "rejected"
    # a rejected revision can be read by its people under its revision label
    closed = http.get(f"/api/v1/resources/{rid2}/versions/r1", headers=auth(member_token))
    assert closed.status_code == 200 and closed.json()["status"] == "rejected"
    assert act(http, admin_token, rid2, "approve", override_reason="x").status_code == 409


def test_yank_keeps_files_and_moves_latest(
    http: httpx.Client, server: LiveServer, admin_token: str, member_token: str, package: bytes
) -> None:
    rid = upload(http, member_token, package)["resource_id"]
    publish(http, admin_token, rid)
    upload(http, member_token, changed_zip(package, "Second version."), resource_id=rid)
    publish(http, admin_token, rid)
    url = f"/api/v1/resources/{rid}/versions/v2/yank"
    assert http.post(url, json={"reason": "wrong"}, headers=auth(member_token)).status_code == 403
    empty = http.post(url, json={"reason": " "}, headers=auth(admin_token))
    assert empty.status_code == 400 and error_code(empty) == "reason_required"
    v2_rdf = http.get(f"/artifacts/{rid}/v2/files/rdf.yaml").content
    yanked = http.post(
        url, json={"reason": "Trained on mislabeled data."}, headers=auth(admin_token)
    )
    assert (
        yanked.status_code == 200 and yanked.json()["yank_reason"] == "Trained on mislabeled data."
    )
    assert http.get(f"/artifacts/{rid}/v2/files/rdf.yaml").content == v2_rdf  # still there
    assert http.get(f"/api/v1/resources/{rid}").json()["latest_version"] == "v1"
    versions = {v["version"]: v for v in http.get(f"/api/v1/resources/{rid}/versions").json()}
    assert versions["v2"]["yanked_at"] and versions["v1"]["yanked_at"] is None
    twice = http.post(url, json={"reason": "again"}, headers=auth(admin_token))
    assert twice.status_code == 409
    lifted = http.post(f"/api/v1/resources/{rid}/versions/v2/unyank", headers=auth(admin_token))
    assert lifted.status_code == 200 and lifted.json()["yanked_at"] is None
    assert http.get(f"/api/v1/resources/{rid}").json()["latest_version"] == "v2"
    actions = [
        e["action"]
        for e in http.get(f"/api/v1/resources/{rid}/history", headers=auth(admin_token)).json()
    ]
    assert actions[-2:] == ["yank", "unyank"]


def test_people_named_in_the_description_maintain_it(
    http: httpx.Client, server: LiveServer, admin_token: str, member_token: str, tmp_path: Path
) -> None:
    maia = make_user(server.hub, "maia")
    other = make_user(server.hub, "otto")
    # "sam" names itself at sign-up: taking a GitHub user's name proves nothing
    http.put("/api/v1/signup", json={"policy": "open"}, headers=auth(admin_token))
    made = http.post("/api/v1/signup", json={"username": "sam", "password": "long enough words"})
    assert made.status_code == 201, made.text
    with transaction(server.hub.sessions) as db:
        _, sam = accounts.create_token(db, user=accounts.get_user(db, username="sam"))
    data = build_zip(tmp_path, github_users=("maia", "sam"))
    rid = upload(http, member_token, data)["resource_id"]
    assert http.get(f"/api/v1/resources/{rid}/review", headers=auth(maia)).status_code == 200
    assert http.get(f"/api/v1/resources/{rid}/review", headers=auth(sam)).status_code == 404
    assert act(http, other, rid, "submit").status_code == 404
    assert act(http, maia, rid, "submit").json()["status"] == "in_review"
    # an admin adds otto by hand; then otto can withdraw
    added = http.post(
        f"/api/v1/resources/{rid}/maintainers", json={"username": "otto"}, headers=auth(admin_token)
    )
    assert added.status_code == 201
    names = http.get(f"/api/v1/resources/{rid}/maintainers", headers=auth(other)).json()
    assert {u["username"] for u in names} == {"mo", "otto"}
    assert act(http, other, rid, "withdraw").json()["status"] == "withdrawn"
    removed = http.delete(f"/api/v1/resources/{rid}/maintainers/otto", headers=auth(admin_token))
    assert removed.status_code == 204
    assert http.get(f"/api/v1/resources/{rid}/review", headers=auth(other)).status_code == 404


def test_pages_show_the_thread_and_the_yank(
    http: httpx.Client, server: LiveServer, admin_token: str, member_token: str, package: bytes
) -> None:
    rid = upload(http, member_token, package)["resource_id"]
    http.post(
        f"/api/v1/resources/{rid}/review/comments",
        json={"body": "Look at <img src=x onerror=alert(1)> **this**"},
        headers=auth(member_token),
    ).raise_for_status()
    page = http.get(f"/resources/{rid}", params={"version": "draft"}, headers=auth(member_token))
    assert page.status_code == 200
    assert "<strong>this</strong>" in page.text
    # the comment's markup is shown as text, never as an element (covers are the only images)
    assert "<img src=x" not in page.text and "&lt;img src=x onerror=alert(1)&gt;" in page.text
    twin = http.get(
        f"/resources/{rid}",
        params={"version": "draft", "format": "json"},
        headers=auth(member_token),
    ).json()
    assert twin["review"]["status"] == "draft" and twin["review"]["thread"][0]["kind"] == "comment"
    publish(http, admin_token, rid)
    http.post(
        f"/api/v1/resources/{rid}/versions/v1/yank",
        json={"reason": "Wrong normalisation."},
        headers=auth(admin_token),
    ).raise_for_status()
    public = http.get(f"/resources/{rid}", params={"version": "v1"})
    assert "This version was yanked" in public.text and "Wrong normalisation." in public.text
    assert f"/api/v1/resources/{rid}/versions/v1/citation.cff" in public.text
    assert http.get(f"/resources/{rid}", params={"format": "json"}).json()["review"] is None
