"""The real ``bioimageio.spec.upload()`` uploads to a real hub server, with only
BIOIMAGEIO_HYPHA_UPLOAD and BIOIMAGEIO_HYPHA_UPLOAD_TOKEN pointing at us; and the refusals of
that surface, driven over HTTP the way the client drives it."""

from __future__ import annotations

import hashlib
import io
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import httpx
import pytest
import yaml
from sqlalchemy import func, select

from modelhub.catalog.models import Resource, ResourceVersion
from modelhub.cli.packing import zip_folder
from modelhub.demo.builder import build_package
from modelhub.storage.models import Blob
from tests.conftest import LiveServer, auth, changed_description, make_user

BASE = "/public/services/artifact-manager"
COLLECTION = "bioimage-io/bioimage.io"


def _sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _client_upload(
    server: LiveServer, token: str, source: Path, tmp: Path
) -> subprocess.CompletedProcess[str]:
    """``bioimageio.spec.upload(source)`` in a fresh interpreter, as a user would run it."""
    workdir = tmp / "cwd"  # an empty working directory: the library reads a .env file there
    workdir.mkdir(exist_ok=True)
    env = {k: v for k, v in os.environ.items() if not k.startswith(("BIOIMAGEIO_", "MODELHUB_"))}
    env.update(
        BIOIMAGEIO_HYPHA_UPLOAD=f"{server.url}{BASE}/create",
        BIOIMAGEIO_HYPHA_UPLOAD_TOKEN=token,
        BIOIMAGEIO_CACHE_PATH=str(tmp / "cache"),
        NO_PROXY="127.0.0.1,localhost",
    )
    code = "import sys\nfrom bioimageio.spec import upload\nprint(upload(sys.argv[1]))"
    return subprocess.run(
        [sys.executable, "-c", code, str(source)],
        cwd=workdir,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )


def _uploaded(
    http: httpx.Client, server: LiveServer, token: str, folder: Path, tmp: Path
) -> dict[str, Any]:
    """Upload ``folder`` with the real client; the staged upload's final state."""
    done = _client_upload(server, token, folder, tmp)
    output = done.stdout + done.stderr
    assert done.returncode == 0, output[-4000:]
    found = re.search(r"bioimage-io/staged-[0-9a-f]{32}", output)
    assert found, output[-4000:]
    state = http.get(f"{BASE}/read", params={"artifact_id": found[0]}, headers=auth(token))
    assert state.status_code == 200, state.text
    body: dict[str, Any] = state.json()
    assert body["status"] == "completed", body
    return body


def _assert_in_review(
    http: httpx.Client, token: str, stranger: str, rid: str, folder: Path, expected: set[str]
) -> None:
    """The resource's open revision is in review and holds ``expected`` files of ``folder``
    (the client sends the files the description names) and the served rdf.yaml."""
    resource = http.get(f"/api/v1/resources/{rid}", headers=auth(token))
    assert resource.status_code == 200, resource.text
    assert [(v["version"], v["status"]) for v in resource.json()["versions"]] == [
        ("draft", "in_review")
    ]
    draft = http.get(f"/api/v1/resources/{rid}/versions/draft", headers=auth(token)).json()
    served = {f["path"]: f["sha256"] for f in draft["files"]}
    assert set(served) == expected | {"rdf.yaml"}
    assert {p: served[p] for p in expected} == {p: _sha(folder / p) for p in expected}
    checks = http.get(f"/api/v1/resources/{rid}/versions/draft/checks", headers=auth(token))
    assert [c["status"] for c in checks.json()] == ["queued"]
    # to anyone else the draft does not exist
    assert http.get(f"/api/v1/resources/{rid}", headers=auth(stranger)).status_code == 404
    assert http.get(f"/api/v1/resources/{rid}").status_code == 404


@pytest.mark.slow
def test_real_client_uploads_a_tiny_model_for_review(
    http: httpx.Client, server: LiveServer, member_token: str, tmp_path: Path
) -> None:
    built = build_package("model-0.5-state-dict", tmp_path / "tiny", seed=5)
    state = _uploaded(http, server, member_token, built.root, tmp_path)
    result = state["result"]
    assert isinstance(result, dict)
    assert result["status"] == "in_review" and result["version"] == "draft"
    assert {f["path"] for f in state["files"]} == {p.name for p in built.root.iterdir()}
    stranger = make_user(server.hub, "stranger")
    expected = {p.name for p in built.root.iterdir()} - {"rdf.yaml"}
    _assert_in_review(http, member_token, stranger, result["resource_id"], built.root, expected)
    gone = http.get(f"{BASE}/read", params={"artifact_id": state["id"]}, headers=auth(stranger))
    assert gone.status_code == 404
    # the staged files are gone; only the small state remains until it expires
    staging = server.hub.settings.staging_dir
    assert not [p for p in staging.rglob("*") if p.is_file() and p.name != "state.json"
                and p.name != "lock"]  # fmt: skip


@pytest.mark.slow
def test_real_client_uploads_the_shared_package(
    http: httpx.Client,
    server: LiveServer,
    member_token: str,
    shared_model_dir: Path,
    tmp_path: Path,
) -> None:
    work = tmp_path / "unet"
    shutil.copytree(shared_model_dir, work)
    rdf = work / "bioimageio.yaml"
    rdf.chmod(0o644)
    description = yaml.safe_load(rdf.read_text())
    if description.pop("id", None) is not None:  # the client refuses descriptions with an id
        rdf.write_text(yaml.safe_dump(description, sort_keys=False))
    state = _uploaded(http, server, member_token, work, tmp_path)
    result = state["result"]
    assert isinstance(result, dict) and result["status"] == "in_review"
    assert result["name"] == "UNet 2D Nuclei Broad"
    stranger = make_user(server.hub, "stranger")
    # environment.yaml is not named by the description: the client leaves it out
    expected = {p.name for p in work.iterdir()} - {"bioimageio.yaml", "environment.yaml"}
    assert {"weights.onnx", "weights.pt", "test_input.npy"} <= expected
    _assert_in_review(http, member_token, stranger, result["resource_id"], work, expected)


# --------------------------------------------------------------------------- over plain HTTP


def _create(http: httpx.Client, token: str, **fields: object) -> httpx.Response:
    body = {
        "parent_id": COLLECTION,
        "alias": "{animal_adjective}-{animal}",
        "type": "model",
        "manifest": {"name": "anything"},
        "version": "stage",
    } | fields
    return http.post(f"{BASE}/create", json=body, headers=auth(token))


def _put_file(http: httpx.Client, token: str, artifact_id: str, path: str) -> httpx.Response:
    return http.post(
        f"{BASE}/put_file",
        json={"artifact_id": artifact_id, "file_path": path},
        headers=auth(token),
    )


def _send(url: str, data: bytes, how: str = "client") -> httpx.Response:
    """PUT like the client (multipart, empty Content-Type), as proper multipart, or raw."""
    if how == "client":
        return httpx.put(url, files={"f": io.BytesIO(data)}, headers={"Content-Type": ""})
    if how == "multipart":
        return httpx.put(url, files={"file": ("x.bin", data)})
    return httpx.put(url, content=data, headers={"content-type": "application/octet-stream"})


def _edit(http: httpx.Client, token: str, artifact_id: str, **manifest: object) -> httpx.Response:
    body = {"artifact_id": artifact_id, "version": "stage", "manifest": {"name": "x"} | manifest}
    return http.post(f"{BASE}/edit", json=body, headers=auth(token))


def _stage(http: httpx.Client, token: str, folder: Path, skip: frozenset[str] = frozenset()) -> str:
    aid: str = _create(http, token).json()["id"]
    styles = ("client", "multipart", "raw")
    for i, path in enumerate(sorted(p for p in folder.iterdir() if p.name not in skip)):
        url = _put_file(http, token, aid, path.name)
        assert url.status_code == 200, url.text
        put = _send(url.json(), path.read_bytes(), styles[i % 3])
        assert put.status_code == 200, put.text
        assert put.json()["sha256"] == _sha(path)
    return aid


def _rows(server: LiveServer) -> list[int]:
    with server.hub.sessions() as db:
        return [
            db.scalar(select(func.count()).select_from(t)) or 0
            for t in (Resource, ResourceVersion, Blob)
        ]


def test_a_refused_package_keeps_its_staged_files_for_a_retry(
    http: httpx.Client, server: LiveServer, member_token: str, tmp_path: Path
) -> None:
    built = build_package("model-0.5-torchscript", tmp_path / "pkg", seed=2)
    aid = _stage(http, member_token, built.root, skip=frozenset({"test_input.npy"}))
    refused = _edit(http, member_token, aid, status="request-review")
    assert refused.status_code == 422, refused.text
    error = refused.json()["error"]
    assert "test_input.npy" in str(error), error
    assert _rows(server) == [0, 0, 0]
    staged = http.get(f"{BASE}/read", params={"artifact_id": aid}, headers=auth(member_token))
    assert staged.json()["status"] == "staged"
    assert len(staged.json()["files"]) == len(list(built.root.iterdir())) - 1
    # without the review request, edit changes nothing
    same = _edit(http, member_token, aid)
    assert same.status_code == 200 and same.json()["status"] == "staged"
    # the missing file, then the same request again: accepted and in review
    url = _put_file(http, member_token, aid, "test_input.npy").json()
    assert _send(url, (built.root / "test_input.npy").read_bytes(), "raw").status_code == 200
    done = _edit(http, member_token, aid, status="request-review")
    assert done.status_code == 200, done.text
    result = done.json()["result"]
    assert result["status"] == "in_review" and result["revision"] == 1
    again = _edit(http, member_token, aid, status="request-review")
    assert again.json()["result"] == result  # asking twice gives the same answer
    late = _put_file(http, member_token, aid, "extra.txt")
    assert late.status_code == 409 and late.json()["error"]["code"] == "upload_completed"
    assert _rows(server)[:2] == [1, 1]


def test_only_the_owner_reaches_an_upload(
    http: httpx.Client, server: LiveServer, member_token: str
) -> None:
    assert _create(http, "mh_wrong").status_code == 401
    anonymous = http.post(f"{BASE}/create", json={}, headers={"accept": "text/html"})
    assert anonymous.status_code == 401
    assert anonymous.json()["error"]["code"] == "not_authenticated"  # JSON, never a page
    aid = _create(http, member_token).json()["id"]
    stranger = make_user(server.hub, "stranger")
    assert _put_file(http, stranger, aid, "rdf.yaml").status_code == 404
    assert _edit(http, stranger, aid, status="request-review").status_code == 404
    read = http.get(f"{BASE}/read", params={"artifact_id": aid}, headers=auth(stranger))
    assert read.status_code == 404 and read.json()["error"]["code"] == "not_found"
    nothing = _put_file(http, member_token, "bioimage-io/staged-" + "0" * 32, "rdf.yaml")
    assert nothing.status_code == 404

    url = _put_file(http, member_token, aid, "rdf.yaml").json()
    forged = re.sub(r"signature=[0-9a-f]+", "signature=" + "0" * 64, url)
    assert _send(forged, b"x").status_code == 403
    other_path = url.replace("path=rdf.yaml", "path=weights.pt")
    assert _send(other_path, b"x").status_code == 403
    unknown = url.replace(aid.rsplit("-", 1)[1], "f" * 32)
    assert _send(unknown, b"x").status_code == 404
    assert _send(url, b"type: model\n").status_code == 200


@pytest.mark.parametrize(
    ("fields", "status", "code"),
    [
        ({"parent_id": "someone/else"}, 400, "unknown_collection"),
        ({"version": "v1"}, 400, "stage_only"),
        ({"version": None}, 400, "stage_only"),
        ({"type": "poem"}, 422, "invalid_request"),
        ({"secret_field": 1}, 422, "invalid_request"),
        ({"manifest": "not a mapping"}, 422, "invalid_request"),
    ],
)
def test_create_refuses_what_it_cannot_do(
    http: httpx.Client, member_token: str, fields: dict[str, object], status: int, code: str
) -> None:
    r = _create(http, member_token, **fields)
    assert r.status_code == status, r.text
    error = r.json()["error"]
    assert error["code"] == code and error["message"]
    assert error["details"] and error["details"][0]["loc"]


def test_bad_bodies_and_names_are_refused(
    http: httpx.Client, server: LiveServer, member_token: str
) -> None:
    bad = http.post(f"{BASE}/create", content=b"{nope", headers=auth(member_token))
    assert bad.status_code == 400 and bad.json()["error"]["code"] == "invalid_json"
    aid = _create(http, member_token).json()["id"]
    for name in ("../escape.txt", "/etc/passwd", "a\\b.txt", "a//b"):
        r = _put_file(http, member_token, aid, name)
        assert r.status_code == 422 and r.json()["error"]["code"] == "unsafe_path", name
    assert _put_file(http, member_token, aid, "Weights.pt").status_code == 200
    clash = _put_file(http, member_token, aid, "weights.pt")
    assert clash.status_code == 422 and clash.json()["error"]["code"] == "duplicate_entry"
    folder = _put_file(http, member_token, aid, "Weights.pt/inner")
    assert folder.status_code == 422
    wrong_version = http.post(
        f"{BASE}/edit", json={"artifact_id": aid, "version": "v2"}, headers=auth(member_token)
    )
    assert wrong_version.status_code == 400
    # announced but never sent: the completion says which file is missing
    incomplete = _edit(http, member_token, aid, status="request-review")
    assert incomplete.status_code == 422
    assert incomplete.json()["error"]["details"][0]["loc"] == ["package", "Weights.pt"]
    # a multipart-shaped body that never closes is refused, and nothing is kept
    url = _put_file(http, member_token, aid, "Weights.pt").json()
    body = b'--abc\r\nContent-Disposition: form-data; name="f"\r\n\r\nhalf a file'
    broken = httpx.put(url, content=body, headers={"content-type": ""})
    assert broken.status_code == 400 and broken.json()["error"]["code"] == "malformed_multipart"
    staged = http.get(f"{BASE}/read", params={"artifact_id": aid}, headers=auth(member_token))
    assert staged.json()["files"] == [] and staged.json()["missing"] == ["Weights.pt"]
    assert not list(server.hub.settings.staging_dir.rglob("incoming/*"))


def test_limits_hold_over_all_files_of_an_upload(
    http: httpx.Client, server: LiveServer, member_token: str
) -> None:
    server.hub.settings.max_upload_bytes = 1000
    server.hub.settings.max_files = 2
    aid = _create(http, member_token).json()["id"]
    first = _put_file(http, member_token, aid, "a.bin").json()
    second = _put_file(http, member_token, aid, "b.bin").json()
    third = _put_file(http, member_token, aid, "c.bin")
    assert third.status_code == 413 and third.json()["error"]["code"] == "too_many_files"
    assert _send(first, b"\1" * 600, "raw").status_code == 200
    over = _send(second, b"\2" * 600, "client")
    assert over.status_code == 413, over.text
    assert _send(second, b"\2" * 400, "client").status_code == 200
    assert _send(first, b"\1" * 600, "multipart").status_code == 200  # replacing is fine
    staged = http.get(f"{BASE}/read", params={"artifact_id": aid}, headers=auth(member_token))
    assert staged.json()["total_bytes"] == 1000


def test_the_upload_api_submits_in_the_same_step(
    http: httpx.Client, member_token: str, tmp_path: Path
) -> None:
    """``submit`` of ``POST /api/v1/uploads``: the code path the completion step uses."""
    built = build_package("model-0.4", tmp_path / "pkg", seed=4)
    archive = zip_folder(built.root, tmp_path / "pkg.zip")
    r = http.post(
        "/api/v1/uploads",
        params={"submit": "true"},
        content=archive.read_bytes(),
        headers={**auth(member_token), "content-type": "application/zip"},
    )
    assert r.status_code == 201, r.text
    assert r.json()["status"] == "in_review"
    # a changed description: an identical package is refused (the first one is superseded by
    # this revision, so the plain upload below may bring it again)
    rdf = built.root / "rdf.yaml"
    rdf.write_text(changed_description(rdf.read_text(), "Revised."))
    form = http.post(
        "/api/v1/uploads",
        files=[("files", (p.name, p.read_bytes())) for p in built.root.iterdir()],
        data={"submit": "on", "resource_id": r.json()["resource_id"]},
        headers=auth(member_token),
    )
    assert form.status_code == 201, form.text
    assert (form.json()["status"], form.json()["revision"]) == ("in_review", 2)
    plain = http.post(
        "/api/v1/uploads",
        files={"file": ("pkg.zip", archive.read_bytes())},
        data={"submit": "false"},
        headers=auth(member_token),
    )
    assert plain.status_code == 201 and plain.json()["status"] == "draft"
    bad = http.post(
        "/api/v1/uploads",
        files={"file": ("pkg.zip", archive.read_bytes())},
        data={"submit": "perhaps"},
        headers=auth(member_token),
    )
    assert bad.status_code == 422 and bad.json()["error"]["details"][0]["loc"] == ["submit"]
