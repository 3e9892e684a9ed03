"""Upload → draft → publish → find → download over real HTTP with the real shared package."""

from __future__ import annotations

import hashlib
import io
import re
import shutil
import zipfile
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
import yaml
from sqlalchemy import func, select

from modelhub.catalog.models import Resource, ResourceVersion, VersionFile
from modelhub.cli.packing import zip_folder
from modelhub.storage.models import Blob
from tests.conftest import OVERRIDE, LiveServer, auth, changed_zip, files_under


@pytest.fixture
def shared_zip(shared_model_dir: Path, tmp_path: Path) -> Path:
    work = tmp_path / "pkg"
    shutil.copytree(shared_model_dir, work)
    return zip_folder(work, tmp_path / "unet.zip")


def _upload(http: httpx.Client, token: str, archive: Path | bytes, **params: str) -> httpx.Response:
    return http.post(
        "/api/v1/uploads",
        content=archive if isinstance(archive, bytes) else archive.read_bytes(),
        params=params,
        headers={**auth(token), "content-type": "application/zip"},
    )


def test_upload_creates_a_draft_only_its_people_see(
    http: httpx.Client, admin_token: str, member_token: str, shared_zip: Path
) -> None:
    r = _upload(http, member_token, shared_zip)
    assert r.status_code == 201, r.text
    body = r.json()
    rid = body["resource_id"]
    assert re.fullmatch(r"[a-z]+-[a-z]+", rid)
    assert body["version"] == "draft" and body["revision"] == 1 and body["type"] == "model"
    assert body["emoji"]
    # anonymous visitors and search do not see drafts; the uploader and admins do
    assert http.get(f"/api/v1/resources/{rid}").status_code == 404
    assert http.get(f"/artifacts/{rid}/draft/files/rdf.yaml").status_code == 404
    assert http.get("/api/v1/resources").json()["total"] == 0
    mine = http.get(f"/api/v1/resources/{rid}", headers=auth(member_token))
    assert mine.status_code == 200 and mine.json()["versions"][0]["version"] == "draft"
    draft_rdf = http.get(f"/artifacts/{rid}/draft/files/rdf.yaml", headers=auth(admin_token))
    assert yaml.safe_load(draft_rdf.text)["id"] == rid


def test_publish_then_download_every_way(
    http: httpx.Client,
    server: LiveServer,
    admin_token: str,
    member_token: str,
    shared_zip: Path,
    shared_model_dir: Path,
) -> None:
    rid = _upload(http, member_token, shared_zip).json()["resource_id"]
    refused = http.post(
        f"/api/v1/resources/{rid}/publish", headers=auth(member_token), json=OVERRIDE
    )
    assert refused.status_code == 403 and refused.json()["error"]["code"] == "forbidden"
    published = http.post(
        f"/api/v1/resources/{rid}/publish",
        headers=auth(admin_token),
        json={"change_note": "first release", **OVERRIDE},
    )
    assert published.status_code == 201, published.text
    version = published.json()
    assert version["version"] == "v1" and version["status"] == "published"
    assert version["validation"]["status"] == "valid-format"  # the library's own summary
    assert version["validation"]["format_version"].startswith("0.5")

    rdf = http.get(f"/artifacts/{rid}/files/rdf.yaml")
    assert rdf.status_code == 200
    # text is shown as plain text (never as a type a browser runs); the bytes are the same
    assert rdf.headers["content-type"] == "text/plain; charset=utf-8"
    served = yaml.safe_load(rdf.text)
    assert served["id"] == rid and str(served["version"]) == "1"
    assert served["name"] == "UNet 2D Nuclei Broad"
    assert rdf.headers["etag"] == f'"{hashlib.sha256(rdf.content).hexdigest()}"'

    weights = (shared_model_dir / "weights.onnx").read_bytes()
    sha = hashlib.sha256(weights).hexdigest()
    url = f"/artifacts/{rid}/v1/files/weights.onnx"
    full = http.get(url)
    assert full.content == weights and full.headers["etag"] == f'"{sha}"'
    assert "immutable" in full.headers["cache-control"]
    head = http.head(url)
    assert head.status_code == 200 and int(head.headers["content-length"]) == len(weights)
    assert head.content == b""
    part = http.get(url, headers={"range": "bytes=100-199"})
    assert part.status_code == 206 and part.content == weights[100:200]
    assert part.headers["content-range"] == f"bytes 100-199/{len(weights)}"
    assert http.get(url, headers={"if-none-match": f'"{sha}"'}).status_code == 304
    assert http.get(f"/api/v1/resources/{rid}/versions/v1/files/weights.onnx").content == weights
    assert http.get(f"/artifacts/{rid}/v1/files/nope.bin").status_code == 404

    package = http.get(f"/artifacts/{rid}/package.zip")
    assert package.status_code == 200 and package.headers["content-type"] == "application/zip"
    with zipfile.ZipFile(io.BytesIO(package.content)) as zf:
        names = set(zf.namelist())
        assert zf.read("weights.onnx") == weights
        assert zf.read("rdf.yaml") == rdf.content
    expected = {p.name for p in shared_model_dir.iterdir()} - {"bioimageio.yaml"} | {"rdf.yaml"}
    assert names == expected
    again = http.get(f"/artifacts/{rid}/v1/package.zip")
    assert again.content == package.content  # deterministic bytes behind a strong ETag

    id_map = http.get("/id_map.json").json()
    assert id_map[rid]["source"] == f"{server.url}/artifacts/{rid}/v1/files/rdf.yaml"
    assert id_map[rid]["sha256"] == hashlib.sha256(rdf.content).hexdigest()
    assert id_map[f"{rid}/v1"] == id_map[rid]


def test_new_revision_and_second_version(
    http: httpx.Client, server: LiveServer, admin_token: str, member_token: str, shared_zip: Path
) -> None:
    rid = _upload(http, member_token, shared_zip).json()["resource_id"]
    http.post(f"/api/v1/resources/{rid}/publish", headers=auth(admin_token), json=OVERRIDE)
    v1_rdf = http.get(f"/artifacts/{rid}/v1/files/rdf.yaml").content
    # a stranger cannot add revisions; the uploader can, twice: the second replaces the first
    other = _upload(http, admin_token, shared_zip, resource_id="no-such-thing")
    assert other.status_code == 404
    # (each a changed package: an identical one is refused, see test_identical_uploads)
    retrained, fixed = (changed_zip(shared_zip.read_bytes(), m) for m in ("Retrained", "Fixed"))
    second = _upload(http, member_token, retrained, resource_id=rid, change_note="retrained")
    third = _upload(http, member_token, fixed, resource_id=rid, change_note="fixed docs")
    assert (second.json()["revision"], third.json()["revision"]) == (2, 3)
    with server.hub.sessions() as db:
        statuses = db.execute(
            select(ResourceVersion.revision, ResourceVersion.status)
            .where(ResourceVersion.resource_id == rid)
            .order_by(ResourceVersion.revision)
        ).all()
    assert [s.value for _, s in statuses] == ["published", "superseded", "draft"]
    v2 = http.post(
        f"/api/v1/resources/{rid}/publish", headers=auth(admin_token), json=OVERRIDE
    ).json()
    assert v2["version"] == "v2" and v2["revision"] == 3 and v2["change_note"] == "fixed docs"
    assert http.get(f"/artifacts/{rid}/v1/files/rdf.yaml").content == v1_rdf
    assert yaml.safe_load(http.get(f"/artifacts/{rid}/files/rdf.yaml").text)["version"] == "2"
    versions = http.get(f"/api/v1/resources/{rid}/versions").json()
    assert [v["version"] for v in versions] == ["v2", "v1"]
    nothing = http.post(
        f"/api/v1/resources/{rid}/publish", headers=auth(admin_token), json=OVERRIDE
    )
    assert nothing.status_code == 409 and nothing.json()["error"]["code"] == "no_draft"


def test_refused_upload_keeps_nothing(
    http: httpx.Client,
    server: LiveServer,
    member_token: str,
    shared_model_dir: Path,
    tmp_path: Path,
) -> None:
    work = tmp_path / "bad"
    shutil.copytree(shared_model_dir, work)
    (work / "weights.onnx").write_bytes(b"not the weights the description names")
    archive = zip_folder(work, tmp_path / "bad.zip")
    before = files_under(server.hub.settings.data_dir)
    r = _upload(http, member_token, archive)
    assert r.status_code == 422, r.text
    error = r.json()["error"]
    assert error["code"] == "hash_mismatch", error
    assert any("weights.onnx" in d["msg"] for d in error["details"]), error
    # independent problems come in one refusal: the license, an empty name, a missing file
    rdf = yaml.safe_load((work / "bioimageio.yaml").read_text())
    rdf.update(license="my-own-license", name="")
    (work / "bioimageio.yaml").write_text(yaml.safe_dump(rdf, sort_keys=False))
    (work / "test_output.npy").unlink()
    r = _upload(http, member_token, zip_folder(work, tmp_path / "worse.zip"))
    assert r.status_code == 422, r.text
    error = r.json()["error"]
    assert error["code"] == "invalid_description", error
    by_loc = {tuple(d["loc"]): d["msg"] for d in error["details"]}
    assert set(by_loc) == {
        ("license",),
        ("name",),
        ("outputs", 0, "test_tensor", "source"),
        ("weights", "onnx", "sha256"),
    }, by_loc
    assert (
        "'test_output.npy' is not in the package" in by_loc[("outputs", 0, "test_tensor", "source")]
    )
    assert files_under(server.hub.settings.data_dir) == before
    with server.hub.sessions() as db:
        for table in (Resource, ResourceVersion, VersionFile, Blob):
            assert db.scalar(select(func.count()).select_from(table)) == 0


def test_second_description_file_is_ignored_as_the_library_does(
    http: httpx.Client, member_token: str, shared_model_dir: Path, tmp_path: Path
) -> None:
    work = tmp_path / "two"
    shutil.copytree(shared_model_dir, work)
    rdf = yaml.safe_load((work / "bioimageio.yaml").read_text())
    rdf["name"] = "UNet read from rdf"
    (work / "rdf.yaml").write_text(yaml.safe_dump(rdf, sort_keys=False))
    r = _upload(http, member_token, zip_folder(work, tmp_path / "two.zip"))
    assert r.status_code == 201, r.text
    body = r.json()
    # bioimageio.spec reads 'rdf.yaml' before 'bioimageio.yaml'
    assert body["name"] == "UNet read from rdf", body
    assert body["warnings"][0]["loc"] == ["package", "bioimageio.yaml"], body["warnings"]
    assert "is ignored" in body["warnings"][0]["msg"]


def test_upload_needs_a_valid_token(http: httpx.Client, shared_zip: Path) -> None:
    assert http.post("/api/v1/uploads", content=b"x").status_code == 401
    bad = http.post("/api/v1/uploads", content=b"x", headers=auth("mh_nope"))
    assert bad.status_code == 401 and bad.json()["error"]["code"] == "not_authenticated"


def test_too_large_upload_is_stopped(
    http: httpx.Client, server: LiveServer, member_token: str
) -> None:
    server.hub.settings.max_upload_bytes = 1000
    before = files_under(server.hub.settings.data_dir)

    def body() -> Iterator[bytes]:
        for _ in range(100):
            yield b"\0" * 1000

    r = http.post("/api/v1/uploads", content=body(), headers=auth(member_token))
    assert r.status_code == 413 and r.json()["error"]["code"] == "upload_too_large"
    declared = http.post("/api/v1/uploads", content=b"\0" * 5000, headers=auth(member_token))
    assert declared.status_code == 413
    assert files_under(server.hub.settings.data_dir) == before


def test_multipart_rdf_plus_files(
    http: httpx.Client, member_token: str, shared_model_dir: Path
) -> None:
    files = [
        ("files", (p.name, p.read_bytes(), "application/octet-stream"))
        for p in sorted(shared_model_dir.iterdir())
    ]
    r = http.post(
        "/api/v1/uploads", files=files, headers=auth(member_token), data={"change_note": "via form"}
    )
    assert r.status_code == 201, r.text
    assert r.json()["files"] == len(files)  # bioimageio.yaml is served as rdf.yaml


def test_concurrent_publishers_exactly_one_wins(
    http: httpx.Client, server: LiveServer, admin_token: str, shared_zip: Path
) -> None:
    from concurrent.futures import ThreadPoolExecutor

    rid = _upload(http, admin_token, shared_zip).json()["resource_id"]

    def publish(_: int) -> int:
        with httpx.Client(base_url=server.url, timeout=60) as own:
            return own.post(
                f"/api/v1/resources/{rid}/publish", headers=auth(admin_token), json=OVERRIDE
            ).status_code

    with ThreadPoolExecutor(4) as pool:
        codes = sorted(pool.map(publish, range(4)))
    assert codes.count(201) == 1 and all(c == 409 for c in codes if c != 201), codes
    versions = http.get(f"/api/v1/resources/{rid}/versions").json()
    assert [v["version"] for v in versions] == ["v1"]


def test_search_filters_combine(
    http: httpx.Client, admin_token: str, shared_zip: Path, tmp_path: Path
) -> None:
    from modelhub.demo.builder import build_package

    rid = _upload(http, admin_token, shared_zip).json()["resource_id"]
    http.post(
        f"/api/v1/resources/{rid}/publish", headers=auth(admin_token), json=OVERRIDE
    ).raise_for_status()
    ds = build_package("dataset-0.5", tmp_path / "ds", seed=1)
    did = _upload(http, admin_token, zip_folder(ds.root, tmp_path / "ds.zip")).json()["resource_id"]
    http.post(
        f"/api/v1/resources/{did}/publish", headers=auth(admin_token), json=OVERRIDE
    ).raise_for_status()

    def ids(**params: str | list[str]) -> list[str]:
        r = http.get("/api/v1/resources", params=params)
        assert r.status_code == 200, r.text
        return [item["id"] for item in r.json()["items"]]

    assert set(ids()) == {rid, did}
    assert ids(type="model") == [rid]
    assert ids(type="dataset") == [did]
    assert ids(q="nuclei broad") == [rid]
    assert ids(tags="segmentation,unet2d") == [rid]
    assert ids(tags=["segmentation", "no-such-tag"]) == []
    assert ids(q="UNet", type="dataset") == []
    page = http.get("/api/v1/resources", params={"per_page": 1, "page": 2, "sort": "name"}).json()
    assert page["total"] == 2 and len(page["items"]) == 1
    bad = http.get("/api/v1/resources", params={"per_page": 1000})
    assert bad.status_code == 422 and bad.json()["error"]["details"][0]["loc"] == ["per_page"]
