"""What only the S3 storage does: multipart uploads through a temporary key, S3's own
checksum, and the sweep of uploads a killed process left unfinished (against moto's S3
server on loopback). The contract every storage meets is in test_contract.py."""

from __future__ import annotations

import base64
import hashlib
import json
import os
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
import typer

from modelhub.cli import maintenance
from modelhub.config import Settings
from modelhub.errors import HubError
from modelhub.predictions.files import _local_copy
from modelhub.storage.s3 import MIN_PART, S3Storage
from modelhub.uploads.receive import UPLOAD_PREFIX
from tests.functional.maintenance.common import folder_of_killed_process
from tests.s3server import S3Server


@pytest.fixture
def storage(s3: S3Server) -> S3Storage:
    return S3Storage(s3.bucket, f"own-{uuid.uuid4().hex[:8]}", endpoint_url=s3.endpoint_url)


def _keys(storage: S3Storage) -> list[str]:
    listed = storage.client.list_objects_v2(Bucket=storage.bucket, Prefix=storage.prefix + "/")
    return [item["Key"] for item in listed.get("Contents", [])]


def _unfinished(storage: S3Storage) -> list[str]:
    listed = storage.client.list_multipart_uploads(Bucket=storage.bucket, Prefix=storage.prefix)
    return [item["Key"] for item in listed.get("Uploads", [])]


def test_a_blob_above_the_part_size_goes_up_in_parts_and_only_whole(storage: S3Storage) -> None:
    data = os.urandom(2 * MIN_PART + 12_345)  # three parts: two full, one short
    sha = hashlib.sha256(data).hexdigest()
    stored = storage.put_stream(
        iter([data[i : i + 1_000_000] for i in range(0, len(data), 1_000_000)])
    )
    assert stored.sha256 == sha and stored.size == len(data) and stored.created
    # one object, at its final key; no temporary object, no upload left open
    assert _keys(storage) == [f"{storage.prefix}/{sha[:2]}/{sha}"]
    assert _unfinished(storage) == []
    head = storage.client.head_object(
        Bucket=storage.bucket, Key=storage._key(sha), ChecksumMode="ENABLED"
    )
    assert head["ChecksumSHA256"] == base64.b64encode(bytes.fromhex(sha)).decode()
    assert (
        b"".join(storage.iter_bytes(sha, MIN_PART - 2, MIN_PART + 3))
        == data[MIN_PART - 2 : MIN_PART + 3]
    )
    assert not storage.put_stream(iter([data])).created
    assert _keys(storage) == [f"{storage.prefix}/{sha[:2]}/{sha}"]


def test_a_broken_stream_aborts_its_multipart_upload(storage: S3Storage) -> None:
    def broken() -> Iterator[bytes]:
        yield os.urandom(MIN_PART + 1)  # one part sent
        raise RuntimeError("connection lost")

    with pytest.raises(RuntimeError, match="connection lost"):
        storage.put_stream(broken())
    assert _unfinished(storage) == [] and _keys(storage) == []


def test_bytes_that_do_not_match_the_given_sha256_are_refused(
    storage: S3Storage, tmp_path: Path
) -> None:
    staged = tmp_path / "staged.bin"
    staged.write_bytes(b"these bytes")
    with pytest.raises(ValueError, match="do not have sha256"):
        storage.put_file(staged, sha256=hashlib.sha256(b"other bytes").hexdigest())
    assert _keys(storage) == []


def test_the_sweep_aborts_old_unfinished_uploads_only(storage: S3Storage) -> None:
    key = f"{storage.prefix}/.tmp/{uuid.uuid4().hex}"
    storage.client.put_object(Bucket=storage.bucket, Key=key + "-copied", Body=b"x")
    kept = storage.put_stream(iter([b"a blob"])).sha256
    assert storage.sweep_temporary(older_than_s=3600) == 0  # young: a live upload's
    # (moto dates every multipart upload years back: its age is tested on S3 alone)
    storage.client.create_multipart_upload(Bucket=storage.bucket, Key=key)
    assert storage.sweep_temporary(older_than_s=-60) == 2
    assert _unfinished(storage) == []
    assert _keys(storage) == [f"{storage.prefix}/{kept[:2]}/{kept}"]
    assert [sha for sha, _ in storage.blob_times()] == [kept]


def test_prediction_files_are_read_through_a_local_copy(storage: S3Storage) -> None:
    sha = storage.put_stream(iter([b"a result"])).sha256
    with _local_copy(storage, sha) as path:
        assert path.read_bytes() == b"a result"
    assert not path.exists()  # the copy goes with the request
    with pytest.raises(HubError) as gone, _local_copy(storage, "0" * 64):
        pass
    assert gone.value.status_code == 410 and gone.value.code == "expired"


def test_the_commands_with_blobs_in_s3(
    storage: S3Storage, s3: S3Server, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:  # fmt: skip
    monkeypatch.setenv("MODELHUB_DATA_DIR", str(tmp_path))
    monkeypatch.setenv("MODELHUB_STORAGE_URL", f"s3://{storage.bucket}/{storage.prefix}")
    monkeypatch.setenv("MODELHUB_S3_ENDPOINT_URL", s3.endpoint_url)
    key = f"{storage.prefix}/.tmp/{uuid.uuid4().hex}"
    storage.client.create_multipart_upload(Bucket=storage.bucket, Key=key)
    # the staging folder of an upload whose hub was killed: on the hub's disk, blobs in S3 or not
    staging = Settings(data_dir=tmp_path).staging_dir
    staging.mkdir(parents=True)
    dead = folder_of_killed_process(staging, UPLOAD_PREFIX)
    maintenance.gc(grace=None, as_json=True)  # moto dates the upload years back: old enough
    assert json.loads(capsys.readouterr().out) == {
        "removed": {"temporary_file": 1, "stale_upload": 1},
        "kept": {},
        "lost": 0,
    }
    assert _unfinished(storage) == []
    assert not dead.exists()
    with pytest.raises(typer.Exit) as checked:  # fsck lists the prefix: nothing there
        maintenance.fsck(verify=False, as_json=True)
    assert checked.value.exit_code == 0
    report = json.loads(capsys.readouterr().out)
    assert (report["clean"], report["blobs_in_storage"], report["blob_rows"]) == (True, 0, 0)
    storage.put_stream(iter([b"nobody's"]))
    with pytest.raises(typer.Exit) as checked:
        maintenance.fsck(verify=False, as_json=True)
    assert checked.value.exit_code == 1
    assert json.loads(capsys.readouterr().out)["counts"] == {"orphan_blob": 1}
