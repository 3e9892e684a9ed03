"""A hub whose blobs are in S3 (moto's S3 server on loopback), on its real database: a real
package goes in, is published, and every file comes back byte for byte, by a redirect to a
presigned S3 address (counted first) or streamed through the hub."""

from __future__ import annotations

import hashlib
from pathlib import Path
from urllib.parse import urlsplit

import httpx
import pytest
from sqlalchemy import func, select

from modelhub.cli.packing import zip_folder
from modelhub.config import Settings
from modelhub.events.models import DomainEvent
from modelhub.hub import Hub
from modelhub.maintenance.periodic import run_if_due
from modelhub.storage.s3 import S3Storage
from tests.conftest import hub_settings
from tests.functional.downloads.common import publish, upload
from tests.s3server import S3Server


@pytest.fixture
def settings(migrated_template: str, tmp_path: Path, s3: S3Server) -> Settings:
    return hub_settings(migrated_template, tmp_path).model_copy(
        update={
            "storage_url": s3.url(),
            "s3_endpoint_url": s3.endpoint_url,
            "s3_presigned_downloads": True,
        }
    )


def _downloads(hub: Hub) -> int:
    with hub.sessions() as db:
        return (
            db.scalar(
                select(func.count())
                .select_from(DomainEvent)
                .where(DomainEvent.name == "Downloaded")
            )
            or 0
        )


def test_a_package_in_s3_comes_back_byte_for_byte(
    http: httpx.Client, hub: Hub, admin_token: str, shared_model_dir: Path, tmp_path: Path,
    s3: S3Server,
) -> None:  # fmt: skip
    assert isinstance(hub.storage, S3Storage)
    rid = upload(http, admin_token, zip_folder(shared_model_dir, tmp_path / "p.zip").read_bytes())
    publish(http, admin_token, rid)
    names = sorted(p.relative_to(shared_model_dir).as_posix() for p in shared_model_dir.rglob("*"))
    for count, name in enumerate(names, start=1):
        url = f"/artifacts/{rid}/files/{name}"
        head = http.head(url)  # answered by the hub: the sha256 it recorded, as ETag
        assert head.status_code == 200, name
        sha = head.headers["etag"].strip('"')
        moved = http.get(url)
        assert moved.status_code == 302, name
        assert _downloads(hub) == count  # counted before the redirect
        location = moved.headers["location"]
        assert location.startswith(s3.endpoint_url + "/") and "Signature=" in location
        assert "X-Amz-Expires=3600" in urlsplit(location).query or "Expires=" in location
        got = httpx.get(location)
        assert got.status_code == 200, name
        assert hashlib.sha256(got.content).hexdigest() == sha
        assert got.headers["content-disposition"] == head.headers["content-disposition"]
        if not name.endswith(".yaml"):  # the hub rewrites the description; the rest is as sent
            assert got.content == (shared_model_dir / name).read_bytes()
    # streamed through the hub when presigned downloads are off, ranges included
    hub.storage.presigned_downloads = False
    weights = (shared_model_dir / "weights.onnx").read_bytes()
    whole = http.get(f"/artifacts/{rid}/files/weights.onnx")
    assert whole.status_code == 200 and whole.content == weights
    part = http.get(f"/artifacts/{rid}/files/weights.onnx", headers={"range": "bytes=100-1099"})
    assert part.status_code == 206 and part.content == weights[100:1100]
    # the hub's periodic gc aborts the uploads that a killed process left unfinished
    storage = hub.storage
    key = f"{storage.prefix}/.tmp/left-by-a-killed-upload"
    storage.client.create_multipart_upload(Bucket=storage.bucket, Key=key)
    assert run_if_due(hub, holder="test", due_after_s=0) is None
    listed = storage.client.list_multipart_uploads(Bucket=storage.bucket, Prefix=storage.prefix)
    assert listed.get("Uploads", []) == []
