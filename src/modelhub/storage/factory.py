"""Storage from a description: the hub describes its blob storage in plain, picklable values
(`describe_storage`), and whoever needs it (the hub, a Dask worker on another machine) builds
the `Storage` from that description (`storage_from`), never a backend class by name.

Two backends: a local directory (`LocalStorage`) and an S3 bucket (`S3Storage`), chosen by
``MODELHUB_STORAGE_URL`` (``file:///path`` or ``s3://bucket/prefix``)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from modelhub.config import Settings
from modelhub.storage.base import Storage
from modelhub.storage.local import LocalStorage
from modelhub.storage.s3 import S3Storage


@dataclass(frozen=True)
class LocalStorageDescription:
    """Blobs in a directory that every reader sees at the same path (a shared mount for workers
    on other machines)."""

    root: str
    kind: Literal["local"] = "local"


@dataclass(frozen=True)
class S3StorageDescription:
    """Blobs under a prefix of an S3 bucket; credentials come from each reader's environment
    (``AWS_*`` variables, instance roles), never from the description."""

    bucket: str
    prefix: str
    endpoint_url: str | None = None
    part_size: int = 64 * 1024**2
    presigned_downloads: bool = False
    presigned_seconds: int = 3600
    kind: Literal["s3"] = "s3"

    def under(self, name: str) -> S3StorageDescription:
        """The same bucket, a sub-prefix (a storage of its own)."""
        prefix = f"{self.prefix}/{name}" if self.prefix else name
        return S3StorageDescription(
            self.bucket, prefix, self.endpoint_url, self.part_size, False, self.presigned_seconds
        )


StorageDescription = LocalStorageDescription | S3StorageDescription
"""Every kind of storage description."""


def describe_storage(settings: Settings) -> StorageDescription:
    """The blob storage that ``settings`` configure, as plain values."""
    location = settings.s3_location
    if location is not None:
        return S3StorageDescription(
            bucket=location[0],
            prefix=location[1],
            endpoint_url=settings.s3_endpoint_url,
            part_size=settings.s3_part_size,
            presigned_downloads=settings.s3_presigned_downloads,
            presigned_seconds=settings.s3_presigned_seconds,
        )
    return LocalStorageDescription(root=str(settings.resolved_storage_dir.resolve()))


def storage_from(description: StorageDescription) -> Storage:
    """The storage a description names."""
    if isinstance(description, LocalStorageDescription):
        return LocalStorage(Path(description.root))
    if isinstance(description, S3StorageDescription):
        return S3Storage(
            description.bucket,
            description.prefix,
            endpoint_url=description.endpoint_url,
            part_size=description.part_size,
            presigned_downloads=description.presigned_downloads,
            presigned_seconds=description.presigned_seconds,
        )
    raise ValueError(f"unknown kind of storage: {description!r}")
