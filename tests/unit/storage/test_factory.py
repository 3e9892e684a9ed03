"""Storage built from its description: what the hub describes, a worker builds and reads."""

from __future__ import annotations

import pickle
from pathlib import Path

import pytest
from pydantic import ValidationError

from modelhub.cli.environment import unknown_variable_warnings
from modelhub.config import Settings
from modelhub.predictions.retention import results_description
from modelhub.storage.base import Storage
from modelhub.storage.factory import (
    LocalStorageDescription,
    S3StorageDescription,
    describe_storage,
    storage_from,
)
from modelhub.storage.s3 import S3Storage
from tests.s3server import S3Server


def test_settings_describe_the_local_storage(tmp_path: Path) -> None:
    described = describe_storage(Settings(data_dir=tmp_path / "data"))
    assert described == LocalStorageDescription(root=str((tmp_path / "data" / "blobs").resolve()))
    own = describe_storage(Settings(data_dir=tmp_path, storage_dir=tmp_path / "elsewhere"))
    assert own == LocalStorageDescription(root=str((tmp_path / "elsewhere").resolve()))
    url = describe_storage(Settings(data_dir=tmp_path, storage_url=f"file://{tmp_path}/elsewhere"))
    assert url == own


def test_settings_describe_an_s3_storage_and_the_predictions_beside_it(tmp_path: Path) -> None:
    settings = Settings(
        data_dir=tmp_path,
        storage_url="s3://hub-bucket/modelhub/blobs/",
        s3_endpoint_url="http://minio.internal:9000",
        s3_part_size=8 * 1024**2,
        s3_presigned_downloads=True,
    )
    described = describe_storage(settings)
    assert described == S3StorageDescription(
        bucket="hub-bucket",
        prefix="modelhub/blobs",
        endpoint_url="http://minio.internal:9000",
        part_size=8 * 1024**2,
        presigned_downloads=True,
    )
    # every hub process and worker shares the predictions' blobs too: a sub-prefix, never
    # handed out by presigned address (they are private to their owner)
    predictions = results_description(settings)
    assert isinstance(predictions, S3StorageDescription)
    assert predictions.prefix == "modelhub/blobs/predictions"
    assert not predictions.presigned_downloads
    local = results_description(Settings(data_dir=tmp_path))
    assert local == LocalStorageDescription(
        root=str((tmp_path / "predictions" / "blobs").resolve())
    )


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"storage_url": "ftp://host/blobs"}, "use file:///path or s3://bucket/prefix"),
        ({"storage_url": "s3:///prefix"}, "name the bucket"),
        ({"storage_url": "file://blobs"}, "three slashes"),
        ({"storage_url": "s3://b/p", "storage_dir": "/srv/blobs"}, "not both"),
        ({"s3_part_size": 1024}, "greater than or equal"),
    ],
)
def test_bad_storage_settings_are_refused(changes: dict[str, str], message: str) -> None:
    with pytest.raises(ValidationError, match=message):
        Settings(**changes)  # type: ignore[arg-type]


def test_the_storage_variables_are_known() -> None:
    names = ["STORAGE_URL", "S3_ENDPOINT_URL", "S3_PART_SIZE", "S3_PRESIGNED_DOWNLOADS"]
    names += ["S3_PRESIGNED_SECONDS", "STORAGE_DIR"]
    assert unknown_variable_warnings({f"MODELHUB_{name}": "x" for name in names}) == []


def test_a_worker_builds_the_s3_storage_from_its_description(s3: S3Server) -> None:
    settings = Settings(storage_url=s3.url(), s3_endpoint_url=s3.endpoint_url)
    writer = storage_from(describe_storage(settings))
    stored = writer.put_stream(iter([b"shared ", b"bytes"]))
    reader = storage_from(pickle.loads(pickle.dumps(describe_storage(settings))))  # noqa: S301
    assert isinstance(reader, S3Storage) and reader.local_path(stored.sha256) is None
    with reader.open(stored.sha256) as blob:
        assert blob.read() == b"shared bytes"


def test_a_reader_built_from_the_description_sees_the_writers_blobs(tmp_path: Path) -> None:
    description = describe_storage(Settings(data_dir=tmp_path))
    writer = storage_from(description)
    stored = writer.put_stream(iter([b"weights ", b"and more"]))
    # the description crosses to a worker by pickle; the worker builds its own storage
    reader = storage_from(pickle.loads(pickle.dumps(description)))  # noqa: S301
    assert isinstance(reader, Storage)
    with reader.open(stored.sha256) as blob:
        assert blob.read() == b"weights and more"
    assert reader.size(stored.sha256) == len(b"weights and more")
