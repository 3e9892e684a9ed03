"""Storage from a description: the hub describes its blob storage in plain, picklable values
(`describe_storage`), and whoever needs it (the hub, a Dask worker on another machine) builds
the `Storage` from that description (`storage_from`), never a backend class by name.

Today the one backend is a local directory (`LocalStorage`); another backend (S3…) adds its own
description here and a branch in `storage_from`."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from modelhub.config import Settings
from modelhub.storage.base import Storage
from modelhub.storage.local import LocalStorage


@dataclass(frozen=True)
class LocalStorageDescription:
    """Blobs in a directory that every reader sees at the same path (a shared mount for workers
    on other machines)."""

    root: str
    kind: Literal["local"] = "local"


StorageDescription = LocalStorageDescription
"""Every kind of storage description (a union once there are several backends)."""


def describe_storage(settings: Settings) -> StorageDescription:
    """The blob storage that ``settings`` configure, as plain values."""
    return LocalStorageDescription(root=str(settings.resolved_storage_dir.resolve()))


def storage_from(description: StorageDescription) -> Storage:
    """The storage a description names."""
    if isinstance(description, LocalStorageDescription):
        return LocalStorage(Path(description.root))
    raise ValueError(f"unknown kind of storage: {description!r}")
