"""Storage built from its description: what the hub describes, a worker builds and reads."""

from __future__ import annotations

import pickle
from pathlib import Path

from modelhub.config import Settings
from modelhub.storage.base import Storage
from modelhub.storage.factory import LocalStorageDescription, describe_storage, storage_from


def test_settings_describe_the_local_storage(tmp_path: Path) -> None:
    described = describe_storage(Settings(data_dir=tmp_path / "data"))
    assert described == LocalStorageDescription(root=str((tmp_path / "data" / "blobs").resolve()))
    own = describe_storage(Settings(data_dir=tmp_path, storage_dir=tmp_path / "elsewhere"))
    assert own.root == str((tmp_path / "elsewhere").resolve())


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
