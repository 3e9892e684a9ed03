"""One's own upload page (state, check, submit, withdraw) and "my uploads"."""

from __future__ import annotations

import httpx

from tests.conftest import OVERRIDE, LiveServer, auth
from tests.functional.uploads_pages.common import Page, browser, unlabelled_fields


def _upload(client: httpx.Client, data: bytes) -> str:
    csrf = Page(client.get("/upload").text).csrf
    r = client.post(
        "/upload", data={"csrf": csrf}, files={"file": ("m.zip", data, "application/zip")}
    )
    assert r.status_code == 303, r.text
    location = r.headers["location"]
    assert location.startswith("/upload/") and location.endswith("?done=uploaded")
    return location.removeprefix("/upload/").split("?")[0]


def test_an_accepted_upload_leads_to_its_page_and_is_submitted_from_there(
    server: LiveServer, good_zip: bytes
) -> None:
    with browser(server, "uma") as client:
        rid = _upload(client, good_zip)
        r = client.get(f"/upload/{rid}?done=uploaded")
        assert r.status_code == 200
        page = Page(r.text)
        assert unlabelled_fields(page) == []
        assert page.by_id("live-region")["aria-live"] == "polite"
        # no dispatcher runs in this test: the check stays queued and the page polls
        assert page.by_id("upload-state")["data-poll"] == f"/upload/{rid}?format=json"
        assert page.has_id("notice") and f'href="/upload/{rid}"' in r.text  # the Refresh link
        assert f'href="/resources/{rid}?version=draft"' in r.text
        assert f'href="/upload?resource_id={rid}"' in r.text
        twin = client.get(f"/upload/{rid}", params={"format": "json"}).json()
        assert twin["status"] == "draft" and twin["revision"] == 1 and twin["open"]
        assert twin["check"]["status"] == "queued" and twin["live"] is True
        assert [a["name"] for a in twin["actions"]] == [
            "submit", "withdraw", "view_draft", "new_revision",
        ]  # fmt: skip
        forms = [a["action"] for t, a in page.tags if t == "form"]
        assert f"/upload/{rid}/submit" in forms and f"/upload/{rid}/withdraw" in forms
        no_csrf = client.post(f"/upload/{rid}/submit", data={"revision": "1"})
        assert no_csrf.status_code == 403
        sent = client.post(f"/upload/{rid}/submit", data={"csrf": page.csrf, "revision": "1"})
        assert (
            sent.status_code == 303 and sent.headers["location"] == f"/upload/{rid}?done=submitted"
        )
        after = client.get(f"/upload/{rid}", params={"format": "json"}).json()
        assert after["status"] == "in_review" and after["notice"] is None
        assert [a["name"] for a in after["actions"]] == ["withdraw", "view_draft", "new_revision"]
        twice = client.post(f"/upload/{rid}/submit", data={"csrf": page.csrf, "revision": "1"})
        assert twice.status_code == 409
        gone = client.post(f"/upload/{rid}/withdraw", data={"csrf": page.csrf, "revision": "1"})
        assert gone.status_code == 303
        final = client.get(f"/upload/{rid}", params={"format": "json"}).json()
        assert final["status"] == "withdrawn" and not final["open"]
        assert [a["name"] for a in final["actions"]] == ["new_revision"]
        revision_form = Page(client.get(f"/upload?resource_id={rid}").text)
        assert revision_form.by_id("upload-form") and any(
            a.get("name") == "resource_id" and a.get("value") == rid for _, a in revision_form.tags
        )


def test_strangers_get_404_and_my_uploads_lists_only_mine(
    server: LiveServer, good_zip: bytes
) -> None:
    with browser(server, "uma") as owner:
        rid = _upload(owner, good_zip)
        mine = Page(owner.get("/me/uploads").text)
        rows = [
            a.get("data-resource") for t, a in mine.tags if t == "tr" and a.get("data-resource")
        ]
        assert rows == [rid]
        assert f'href="/upload/{rid}"' in mine.html and f'href="/resources/{rid}"' in mine.html
        listed = owner.get("/me/uploads", params={"format": "json"}).json()["items"]
        assert listed[0]["open_status"] == "draft" and listed[0]["check_status"] == "queued"
        assert listed[0]["latest_version"] is None and listed[0]["open_revision"] == 1
        csrf = mine.csrf
    with browser(server, "sam") as stranger:
        assert stranger.get(f"/upload/{rid}").status_code == 404
        assert stranger.get(f"/upload?resource_id={rid}").status_code == 404
        sam_csrf = Page(stranger.get("/upload").text).csrf
        post = stranger.post(f"/upload/{rid}/submit", data={"csrf": sam_csrf, "revision": "1"})
        assert post.status_code == 404
        empty = Page(stranger.get("/me/uploads").text)
        assert empty.has_id("no-uploads") and rid not in empty.html
    with httpx.Client(base_url=server.url) as anonymous:
        r = anonymous.get("/me/uploads")
        assert r.status_code == 303 and r.headers["location"] == "/login?next=%2Fme%2Fuploads"
        assert anonymous.get(f"/upload/{rid}").status_code == 303
        posted = anonymous.post(f"/upload/{rid}/submit", data={"csrf": csrf})
        assert posted.status_code == 303 and posted.headers["location"].startswith("/login")


def test_a_folder_upload_arrives_file_by_file(server: LiveServer, good_zip: bytes) -> None:
    import io
    import zipfile

    with zipfile.ZipFile(io.BytesIO(good_zip)) as archive:
        parts = [
            ("files", (f"my-model/{name}", archive.read(name), "application/octet-stream"))
            for name in archive.namelist()
        ]
    with browser(server, "uma") as client:
        csrf = Page(client.get("/upload").text).csrf
        r = client.post("/upload", data={"csrf": csrf, "change_note": "from a folder"}, files=parts)
        assert r.status_code == 303, r.text
        rid = r.headers["location"].removeprefix("/upload/").split("?")[0]
        twin = client.get(f"/upload/{rid}", params={"format": "json"}).json()
        assert twin["change_note"] == "from a folder" and twin["status"] == "draft"


def test_my_uploads_shows_the_check_of_the_published_version(
    server: LiveServer, good_zip: bytes, admin_token: str
) -> None:
    with browser(server, "uma") as owner:
        rid = _upload(owner, good_zip)
        owner.post(
            f"/api/v1/resources/{rid}/publish", headers=auth(admin_token), json=OVERRIDE
        ).raise_for_status()
        (row,) = owner.get("/me/uploads", params={"format": "json"}).json()["items"]
        assert (row["latest_version"], row["published_check_status"]) == ("v1", "queued")
        assert row["open_revision"] is None and row["check_status"] is None
        html = owner.get("/me/uploads").text
        assert (
            '<span class="badge status-queued">queued</span> <span class="muted">(v1)</span>'
            in html
        )
