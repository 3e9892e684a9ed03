"""A separate files origin (``MODELHUB_FILES_URL``): the hub links published files there and
redirects its own package-file addresses there; the files origin serves package files only,
ignores the login cookie and API tokens, and opens drafts only through a signed link."""

from __future__ import annotations

import hashlib
import os
import subprocess
import sys
import time
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest
from pydantic import SecretStr

from modelhub.accounts import grants
from modelhub.accounts.models import Role
from modelhub.cli.packing import zip_folder
from modelhub.demo.builder import build_package
from modelhub.web.headers import content_security_policy
from tests.conftest import LiveServer, auth, make_user
from tests.functional.downloads.common import (
    PACKAGE_HEADERS,
    SERVED_AS,
    assert_headers,
    hostile_package,
    log_in,
    package_files,
    publish,
    tags,
    upload,
)

PASSWORD = "a long enough password"


@pytest.fixture(scope="module")
def hostile(tmp_path_factory: pytest.TempPathFactory) -> bytes:
    return hostile_package(tmp_path_factory.mktemp("hostile"))


@pytest.fixture
def files(server: LiveServer) -> str:
    """The files origin: the same server under another host name (another origin)."""
    settings = server.hub.settings
    settings.files_secret = SecretStr("a signing key for the files origin of these tests")
    settings.files_url = server.url.replace("127.0.0.1", "localhost")
    return settings.files_url


def _redirect(
    http: httpx.Client,
    url: str,
    *,
    params: dict[str, str] | None = None,
    headers: dict[str, str] | None = None,
) -> str:
    r = http.get(url, params=params, headers=headers)
    assert r.status_code == 307, (url, r.status_code, r.text)
    assert r.headers["cache-control"] == "no-store"
    location: str = r.headers["location"]
    return location


def test_published_files_are_linked_and_redirected_to_the_files_origin(
    server: LiveServer,
    files: str,
    http: httpx.Client,
    admin_token: str,
    member_token: str,
    hostile: bytes,
) -> None:
    rid = upload(http, member_token, hostile)
    publish(http, admin_token, rid)

    card = http.get(f"/resources/{rid}")
    assert card.headers["content-security-policy"] == content_security_policy(files)
    assert f"img-src 'self' data: blob: {files};" in card.headers["content-security-policy"]
    images = [a.get("src") for _, a in tags(card.text, "img")]
    assert images.count(f"{files}/artifacts/{rid}/v1/files/cover.svg") == 2
    links = {a.get("href") for _, a in tags(card.text, "a")}
    assert {
        f"{files}/artifacts/{rid}/v1/package.zip",
        f"{files}/artifacts/{rid}/v1/files/evil.html",
    } <= links
    assert not [h for h in links if h and "/files/" in h and h.startswith(server.url)]
    resource = http.get(f"/api/v1/resources/{rid}").json()
    assert resource["rdf_url"] == f"{files}/artifacts/{rid}/files/rdf.yaml"
    assert resource["package_url"] == f"{files}/artifacts/{rid}/package.zip"
    assert (
        http.get("/id_map.json").json()[rid]["source"]
        == f"{files}/artifacts/{rid}/v1/files/rdf.yaml"
    )

    for path in (
        f"/artifacts/{rid}/files/evil.html",
        f"/artifacts/{rid}/v1/files/evil.html",
        f"/api/v1/resources/{rid}/versions/v1/files/evil.html",
        f"/artifacts/{rid}/package.zip",
        f"/api/v1/resources/{rid}/versions/v1/package.zip",
    ):
        assert _redirect(http, path) == f"{files}{path}"  # no grant: published files are public
        head = http.head(path)
        assert head.status_code == 307 and head.headers["location"] == f"{files}{path}"
    assert _redirect(http, f"/artifacts/{rid}/files/cover.svg", params={"version": "v1"}) == (
        f"{files}/artifacts/{rid}/files/cover.svg?version=v1"
    )

    data = package_files(hostile)
    with httpx.Client(base_url=files, timeout=60) as plain:
        for path in ("evil.html", "evil.js", "cover.svg", "cover.png", "README.md"):
            r = plain.get(f"/artifacts/{rid}/v1/files/{path}")
            assert r.status_code == 200 and r.content == data[path]
            content_type, disposition = SERVED_AS[path]
            assert_headers(
                r,
                {
                    "content-type": content_type,
                    "content-disposition": disposition,
                    "etag": f'"{hashlib.sha256(data[path]).hexdigest()}"',
                    **PACKAGE_HEADERS,
                },
            )
        # the files origin serves package files and nothing else
        for method, path in (
            ("GET", "/"),
            ("GET", "/login"),
            ("GET", f"/resources/{rid}"),
            ("GET", "/api/v1/me"),
            ("GET", "/id_map.json"),
            ("POST", "/api/v1/uploads"),
            ("POST", f"/artifacts/{rid}/v1/files/evil.html"),
        ):
            r = plain.request(method, path, headers=auth(admin_token))
            assert r.status_code == 404 and r.json()["error"]["code"] == "not_found", path
            sealed = {k: v for k, v in PACKAGE_HEADERS.items() if k != "referrer-policy"}
            assert_headers(r, sealed)


def test_drafts_open_on_the_files_origin_only_through_a_signed_link(
    server: LiveServer,
    files: str,
    http: httpx.Client,
    admin_token: str,
    member_token: str,
    hostile: bytes,
) -> None:
    rid = upload(http, member_token, hostile)
    data = package_files(hostile)
    draft = f"/artifacts/{rid}/draft/files/evil.html"
    assert http.get(draft).status_code == 404  # nobody: no redirect, no link
    card = http.get(f"/resources/{rid}", params={"version": "draft"}, headers=auth(admin_token))
    # a draft's files are linked on the hub, which checks the viewer before sending them on
    images = [a.get("src") for _, a in tags(card.text, "img")]
    assert f"{server.url}/artifacts/{rid}/draft/files/cover.svg" in images

    location = _redirect(http, draft, headers=auth(admin_token))
    parts = urlsplit(location)
    assert f"{parts.scheme}://{parts.netloc}{parts.path}" == f"{files}{draft}"
    grant = parse_qs(parts.query)["grant"][0]
    with httpx.Client(base_url=files, timeout=60) as plain:
        opened = plain.get(location)
        assert opened.status_code == 200 and opened.content == data["evil.html"]
        assert_headers(
            opened, {"content-disposition": 'attachment; filename="evil.html"', **PACKAGE_HEADERS}
        )
        assert plain.head(location).status_code == 200
        # the link opens this one file: not another one, not with a changed grant
        for other in (
            f"/artifacts/{rid}/draft/files/evil.js?grant={grant}",
            f"/artifacts/{rid}/draft/package.zip?grant={grant}",
            f"{draft}?grant={grant[:-2]}xx",
            f"{draft}?grant={grant}&version=v1",
        ):
            refused = plain.get(other)
            assert refused.status_code == 401, other
            assert refused.json()["error"]["code"] == "not_authenticated"
        # the files origin honours neither an API token nor the login cookie
        assert plain.get(draft, headers=auth(admin_token)).status_code == 404
        with httpx.Client(base_url=server.url, timeout=60) as browser:
            make_user(server.hub, "rita", Role.reviewer, password=PASSWORD)
            log_in(browser, "rita", PASSWORD)
            session = browser.cookies["modelhub_session"]
            assert browser.get(draft).status_code == 307  # on the hub, the cookie counts
        cookie = {"cookie": f"modelhub_session={session}"}
        assert plain.get(draft, headers=cookie).status_code == 404

        # a link expires; it names one person, whose rights are checked when it is used
        settings = server.hub.settings
        path, now = draft, time.time()
        old = grants.issue(settings, user_id=1, path=path, version="", now=now - 3600)
        assert plain.get(path, params={"grant": old}).status_code == 401
        stranger = make_user(server.hub, "sam", Role.member)
        sam = http.get("/api/v1/me", headers=auth(stranger)).json()["id"]
        forged = grants.issue(settings, user_id=sam, path=path, version="")
        assert plain.get(path, params={"grant": forged}).status_code == 404
        zip_location = _redirect(
            http, f"/artifacts/{rid}/draft/package.zip", headers=auth(member_token)
        )
        assert package_files(plain.get(zip_location).content)["evil.js"] == data["evil.js"]
        member_link = _redirect(http, draft, headers=auth(member_token))
        assert plain.get(member_link).status_code == 200
        r = http.patch("/api/v1/users/mo", json={"is_active": False}, headers=auth(admin_token))
        assert r.status_code == 200
        assert plain.get(member_link).status_code == 404


@pytest.mark.slow
@pytest.mark.once  # the client over HTTP: its routes run on both databases above
def test_the_bioimageio_cli_tests_a_model_through_the_files_origin(
    server: LiveServer, files: str, http: httpx.Client, admin_token: str, tmp_path: Path
) -> None:
    """The real client, pointed at the hub's own addresses, follows the redirects and loads
    the description and its sibling files from the files origin."""
    built = build_package("model-0.5-torchscript", tmp_path / "src", seed=3)
    rid = upload(http, admin_token, zip_folder(built.root, tmp_path / "m.zip").read_bytes())
    publish(http, admin_token, rid)
    assert http.get("/id_map.json").json()[rid]["source"].startswith(f"{files}/artifacts/")
    workdir = tmp_path / "cwd"  # an empty working directory: the libraries read a .env there
    workdir.mkdir()
    env = {k: v for k, v in os.environ.items() if not k.startswith(("BIOIMAGEIO_", "MODELHUB_"))}
    env.update(
        BIOIMAGEIO_ID_MAP=f"{server.url}/id_map.json",
        BIOIMAGEIO_COLLECTION_HTTP_PATTERN=f"{server.url}/artifacts/{{bioimageio_id}}/files/rdf.yaml",
        BIOIMAGEIO_CACHE_PATH=str(tmp_path / "cache"),
    )
    # by id: the hub's own address (the pattern), redirected; by id/version: id_map.json's
    # source, on the files origin directly
    for source in (rid, f"{rid}/1"):
        done = subprocess.run(
            [str(Path(sys.executable).parent / "bioimageio"), "test", source],
            cwd=workdir,
            env=env,
            capture_output=True,
            text=True,
            timeout=300,
            check=False,
        )
        assert done.returncode == 0, done.stdout[-4000:] + done.stderr[-4000:]
