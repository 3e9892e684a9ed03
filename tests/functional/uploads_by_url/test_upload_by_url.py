"""Submit by URL over real HTTP: the hub fetches a package zip, or an rdf.yaml and the files it
names, from a real server on the loopback, and accepts or refuses it like an upload."""

from __future__ import annotations

from pathlib import Path

import httpx
import pytest
from sqlalchemy import func, select

from modelhub.catalog.models import Resource
from modelhub.hub import Hub
from tests.conftest import LiveServer, auth, files_under
from tests.fileserver import FileServer, Route, file_server


def upload_url(http: httpx.Client, token: str, url: str) -> httpx.Response:
    return http.post("/api/v1/uploads", params={"url": url}, headers=auth(token))


def kept_nothing(hub: Hub) -> None:
    with hub.sessions() as db:
        assert db.scalar(select(func.count()).select_from(Resource)) == 0
    assert files_under(hub.settings.resolved_storage_dir) == set()
    assert list(hub.settings.staging_dir.iterdir()) == []


def test_a_package_zip_url_is_fetched_and_accepted_like_an_upload(
    http: httpx.Client, member_token: str, files: FileServer, shared_zip: bytes
) -> None:
    files.routes["/models/unet.zip"] = Route(shared_zip, content_type="application/zip")
    r = upload_url(http, member_token, files.url("/models/unet.zip"))
    assert r.status_code == 201, r.text
    body = r.json()
    assert body["files"] == 10 and body["version"] == "draft" and body["type"] == "model"
    assert files.paths() == ["/models/unet.zip"]
    stored = http.get(
        body["rdf_url"].replace("rdf.yaml", "weights.onnx"), headers=auth(member_token)
    )
    assert stored.status_code == 200
    assert list(files.requests[0].headers).count("host") == 1


def test_an_rdf_url_brings_the_files_it_names_from_beside_it(
    http: httpx.Client, member_token: str, files: FileServer, shared_model_dir: Path
) -> None:
    files.serve_folder(shared_model_dir, "/unet")
    r = upload_url(http, member_token, files.url("/unet/bioimageio.yaml"))
    assert r.status_code == 201, r.text
    fetched = files.paths()
    assert fetched[0] == "/unet/bioimageio.yaml"
    # environment.yaml lies in the folder too, but the description does not name it
    named = ["README.md", "cover0.png", "test_input.npy", "test_input.png", "test_output.npy"]
    named += ["test_output.png", "weights.onnx", "weights.pt"]
    assert sorted(fetched[1:]) == [f"/unet/{name}" for name in named]
    assert r.json()["files"] == len(fetched)
    readme = http.get(
        r.json()["rdf_url"].replace("rdf.yaml", "README.md"), headers=auth(member_token)
    )
    assert readme.content == (shared_model_dir / "README.md").read_bytes()


def test_fetch_failures_answer_4xx_with_their_code_and_keep_nothing(
    server: LiveServer, http: httpx.Client, member_token: str, files: FileServer
) -> None:
    hub = server.hub
    with file_server({"/secret.zip": Route(b"PK\x03\x04inside")}) as inside:
        files.routes.update(
            {
                "/broken.zip": Route(b"oops", status=500),
                "/silent.zip": Route(hang=True),
                "/huge.zip": Route(b"PK\x03\x04" + b"x" * 5000),
                "/huge-undeclared.zip": Route(b"PK\x03\x04" + b"x" * 5000, declare_length=False),
                "/away.zip": Route(status=302, location=inside.url("/secret.zip")),
            }
        )
        hub.settings.max_upload_bytes = 4000
        hub.settings.fetch_timeout_s = 0.3
        answers = {
            path: upload_url(http, member_token, files.url(path))
            for path in (
                "/gone.zip", "/broken.zip", "/silent.zip", "/huge.zip", "/huge-undeclared.zip",
                "/away.zip",
            )
        }  # fmt: skip
        direct = upload_url(http, member_token, inside.url("/secret.zip"))
        assert inside.requests == []  # neither the redirect nor the direct URL reached it
    got = {path: (r.status_code, r.json()["error"]["code"]) for path, r in answers.items()}
    assert got == {
        "/gone.zip": (422, "fetch_http_error"),
        "/broken.zip": (422, "fetch_http_error"),
        "/silent.zip": (422, "fetch_timeout"),
        "/huge.zip": (413, "fetch_too_large"),
        "/huge-undeclared.zip": (413, "fetch_too_large"),
        "/away.zip": (422, "fetch_refused_address"),
    }
    assert (direct.status_code, direct.json()["error"]["code"]) == (422, "fetch_refused_address")
    assert (
        answers["/gone.zip"]
        .json()["error"]["message"]
        .startswith("The server answered '404 Not Found' for http://127.0.0.1:")
    )
    assert "answered '500 Internal Server Error'" in answers["/broken.zip"].text
    assert answers["/silent.zip"].json()["error"]["details"][0]["loc"] == ["url"]
    kept_nothing(hub)


def test_an_rdf_whose_files_cannot_all_be_fetched_is_refused(
    server: LiveServer,
    http: httpx.Client,
    member_token: str,
    files: FileServer,
    shared_model_dir: Path,
) -> None:
    files.serve_folder(shared_model_dir, "/unet")
    del files.routes["/unet/weights.onnx"]
    missing = upload_url(http, member_token, files.url("/unet/bioimageio.yaml"))
    assert missing.status_code == 422
    error = missing.json()["error"]
    assert error["code"] == "fetch_http_error"
    assert error["details"][0]["loc"] == ["package", "weights.onnx"]
    assert error["message"].startswith("'weights.onnx', named in the description: The server")
    kept_nothing(server.hub)


def test_an_rdf_naming_a_web_address_is_refused_before_any_file_is_fetched(
    server: LiveServer,
    http: httpx.Client,
    member_token: str,
    files: FileServer,
    shared_model_dir: Path,
) -> None:
    files.serve_folder(shared_model_dir, "/unet")
    rdf = (shared_model_dir / "bioimageio.yaml").read_text()
    assert "- cover0.png" in rdf
    files.routes["/unet/rdf.yaml"] = Route(
        rdf.replace("- cover0.png", f"- {files.url('/unet/cover0.png')}").encode()
    )
    r = upload_url(http, member_token, files.url("/unet/rdf.yaml"))
    assert r.status_code == 422 and r.json()["error"]["code"] == "external_reference"
    assert files.paths() == ["/unet/rdf.yaml"]
    kept_nothing(server.hub)


def test_the_url_may_be_a_form_field_but_not_beside_a_package(
    http: httpx.Client, member_token: str, files: FileServer, shared_zip: bytes
) -> None:
    files.routes["/unet.zip"] = Route(shared_zip)
    form = http.post(
        "/api/v1/uploads",
        data={"url": files.url("/unet.zip"), "change_note": "from the lab server"},
        files={"file": ("", b"", "")},  # a browser's empty file input: a multipart form
        headers=auth(member_token),
    )
    assert form.status_code == 201, form.text
    both = http.post(
        "/api/v1/uploads",
        params={"url": files.url("/unet.zip")},
        content=shared_zip,
        headers={**auth(member_token), "content-type": "application/zip"},
    )
    assert both.status_code == 400 and both.json()["error"]["code"] == "no_package"
    assert files.paths() == ["/unet.zip"]


def test_a_bad_url_is_a_400(http: httpx.Client, member_token: str, files: FileServer) -> None:
    r = upload_url(http, member_token, "file:///etc/passwd")
    assert r.status_code == 400 and r.json()["error"]["code"] == "fetch_bad_url"
    assert files.requests == []


@pytest.mark.parametrize("url", ["http://127.0.0.1:9/x.zip", "http://169.254.169.254/latest"])
def test_private_addresses_outside_the_allow_list_are_refused(
    http: httpx.Client, member_token: str, files: FileServer, url: str
) -> None:
    r = upload_url(http, member_token, url)
    assert r.status_code == 422 and r.json()["error"]["code"] == "fetch_refused_address"
