"""fsck on a hub whose blobs are in S3 (moto's S3 server on loopback): orphan objects, rows
whose objects are gone or the wrong size, unfinished uploads under ``.tmp/`` — and keys under
the prefix that are not blobs are left out."""

from __future__ import annotations

import uuid
from pathlib import Path

import pytest
from sqlalchemy import select

from modelhub.catalog.models import ResourceVersion
from modelhub.config import Settings
from modelhub.hub import Hub
from modelhub.maintenance.findings import EXIT_GARBAGE, EXIT_LOST
from modelhub.maintenance.folders import Places
from modelhub.maintenance.service import fsck
from modelhub.storage.s3 import S3Storage
from tests.conftest import hub_settings
from tests.functional.maintenance.common import by_category, package_zip, publish, upload
from tests.s3server import S3Server


@pytest.fixture
def settings(migrated_template: str, tmp_path: Path, s3: S3Server) -> Settings:
    return hub_settings(migrated_template, tmp_path).model_copy(
        update={"storage_url": s3.url(), "s3_endpoint_url": s3.endpoint_url}
    )


def test_fsck_lists_the_s3_prefix(hub: Hub, admin_id: int, tmp_path: Path) -> None:
    storage = hub.storage
    assert isinstance(storage, S3Storage)
    rid = upload(hub, user_id=admin_id, archive=package_zip(tmp_path, 1))
    with hub.sessions() as db:
        draft_rdf = db.scalar(select(ResourceVersion.rdf_sha256))
    publish(hub, user_id=admin_id, resource_id=rid)

    def check(verify: bool = False) -> tuple[int, dict[str, set[str]]]:
        report = fsck(
            sessions=hub.sessions, storage=storage, places=Places.of(hub.settings), verify=verify
        )
        return report.exit_code, by_category(report)

    # the draft's rdf.yaml, replaced at publication; a key that is no blob is not listed
    storage.client.put_object(Bucket=storage.bucket, Key=f"{storage.prefix}/README", Body=b"x")
    assert check() == (EXIT_GARBAGE, {"orphan_blob": {draft_rdf}})
    # an upload killed half-way: a temporary object and an unfinished multipart upload
    tmp = f"{storage.prefix}/.tmp/{uuid.uuid4().hex}"
    storage.client.put_object(Bucket=storage.bucket, Key=tmp, Body=b"half")
    storage.client.create_multipart_upload(Bucket=storage.bucket, Key=tmp + "-mp")
    code, found = check()
    assert (code, found["temporary_file"]) == (EXIT_GARBAGE, {tmp, tmp + "-mp"})
    # a blob a published file needs: gone, then back with other bytes of another size
    with hub.sessions() as db:
        version = db.scalar(select(ResourceVersion).where(ResourceVersion.number == 1))
        assert version is not None
        needed = version.rdf_sha256
    key = f"{storage.prefix}/{needed[:2]}/{needed}"
    storage.client.delete_object(Bucket=storage.bucket, Key=key)
    code, found = check()
    assert (code, found["missing_blob"]) == (EXIT_LOST, {needed})
    storage.client.put_object(Bucket=storage.bucket, Key=key, Body=b"not the description")
    code, found = check(verify=True)
    assert (code, found["size_mismatch"]) == (EXIT_LOST, {needed})
    assert "missing_blob" not in found
