"""Blob storage in an S3 bucket (AWS, MinIO, any S3-compatible service): ``<prefix>/ab/<sha256>``.

Bytes are hashed while they are sent. A blob smaller than one part goes up in one request to
its final key, with its sha256 as S3's own checksum (S3 refuses bytes that do not match, and an
object is visible only once whole). A larger one goes up as a multipart upload under
``<prefix>/.tmp/`` (each part with its checksum, a failed part retried), then is copied to its
final key and the temporary object removed: no partial blob is ever visible. An upload killed
half-way leaves a multipart upload or a temporary object behind; ``sweep_temporary`` aborts or
deletes those once they are old (the hub's periodic gc calls it).

Before relying on an object that exists (de-duplication), the caller's ``claim`` runs; gc
removes orphan objects through ``<prefix>/.trash/`` (``maintenance.s3gc``).

Credentials and region come from boto3's usual places (``AWS_ACCESS_KEY_ID``,
``AWS_SECRET_ACCESS_KEY``, ``AWS_DEFAULT_REGION``, instance roles…)."""

from __future__ import annotations

import hashlib
import os
import re
import threading
import time
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any, BinaryIO, cast

import boto3
from botocore.config import Config
from botocore.exceptions import ClientError

from modelhub.storage.base import CHUNK, BlobMissing, Claim, StoredBlob
from modelhub.storage.s3_parts import Multipart, b64

S3Client = Any  # boto3 builds its clients at run time: no static type

_SHA256 = re.compile(r"^[0-9a-f]{64}$")
_MISSING = {"404", "NoSuchKey", "NotFound"}
MIN_PART = 5 * 1024 * 1024
"""S3's smallest part (all but the last)."""
_COPY_LIMIT = 5 * 1024**3
"""Largest object one CopyObject request copies; larger ones are copied in parts."""

_clients: dict[tuple[int, str | None], S3Client] = {}
_clients_lock = threading.Lock()


def client_for(endpoint_url: str | None) -> S3Client:
    """One client per endpoint and process (clients are thread-safe and slow to build; a forked
    worker builds its own rather than share the parent's connections)."""
    key = (os.getpid(), endpoint_url)
    with _clients_lock:
        if key not in _clients:
            config = Config(
                retries={"max_attempts": 5, "mode": "standard"},
                signature_version="s3v4",
                # MinIO and most self-hosted services want path-style addresses
                s3={"addressing_style": "path" if endpoint_url else "auto"},
            )
            session = boto3.session.Session()
            _clients[key] = session.client("s3", endpoint_url=endpoint_url, config=config)
        return _clients[key]


def _missing(exc: ClientError) -> bool:
    return str(exc.response.get("Error", {}).get("Code")) in _MISSING


class S3Storage:
    """Content-addressed blobs under ``prefix`` in ``bucket``."""

    def __init__(
        self,
        bucket: str,
        prefix: str = "",
        *,
        endpoint_url: str | None = None,
        part_size: int = 64 * 1024 * 1024,
        presigned_downloads: bool = False,
        presigned_seconds: int = 3600,
    ) -> None:
        self.bucket = bucket
        self.prefix = prefix.strip("/")
        self.part_size = max(part_size, MIN_PART)
        self.presigned_downloads = presigned_downloads
        self.presigned_seconds = presigned_seconds
        self.client = client_for(endpoint_url)

    def _key(self, sha256: str) -> str:
        if not _SHA256.match(sha256):
            raise BlobMissing(sha256)
        return self._under(f"{sha256[:2]}/{sha256}")

    def _under(self, name: str) -> str:
        return f"{self.prefix}/{name}" if self.prefix else name

    # ------------------------------------------------------------------ writing

    def put_stream(self, chunks: Iterator[bytes], *, claim: Claim | None = None) -> StoredBlob:
        digest = hashlib.sha256()
        buffer = bytearray()
        upload: Multipart | None = None
        size = 0
        try:
            for chunk in chunks:
                digest.update(chunk)
                size += len(chunk)
                buffer += chunk
                while len(buffer) >= self.part_size:
                    if upload is None:
                        upload = Multipart(
                            self.client, self.bucket, self._under(f".tmp/{uuid.uuid4().hex}")
                        )
                    upload.send(bytes(buffer[: self.part_size]))
                    del buffer[: self.part_size]
            sha = digest.hexdigest()
            if upload is None:
                return self._put_small(bytes(buffer), sha, claim)
            if buffer:
                upload.send(bytes(buffer))
            upload.complete()
        except BaseException:
            if upload is not None:
                upload.abort()
            raise
        return self._commit(upload.key, sha, size, claim)

    def put_file(
        self,
        path: Path,
        *,
        sha256: str | None = None,
        move: bool = False,
        claim: Claim | None = None,
    ) -> StoredBlob:
        size = path.stat().st_size
        if sha256 is not None and size < self.part_size:
            data = path.read_bytes()
            if hashlib.sha256(data).hexdigest() != sha256:
                raise ValueError(f"{path.name}: its bytes do not have sha256 {sha256}")
            # and S3 checks the same sha256 against the bytes it receives
            stored = self._put_small(data, sha256, claim)
        else:
            with path.open("rb") as src:
                stored = self.put_stream(iter(lambda: src.read(CHUNK), b""), claim=claim)
            if sha256 is not None and stored.sha256 != sha256:
                raise ValueError(
                    f"{path.name}: its bytes have sha256 {stored.sha256}, not {sha256}"
                )
        if move:
            path.unlink(missing_ok=True)
        return stored

    def _put_small(self, data: bytes, sha256: str, claim: Claim | None) -> StoredBlob:
        key = self._key(sha256)
        if claim is not None:
            claim(sha256, len(data))  # committed before the HEAD: see maintenance.s3gc
        if self.exists(sha256):
            return StoredBlob(sha256=sha256, size=len(data), created=False)
        self.client.put_object(
            Bucket=self.bucket,
            Key=key,
            Body=data,
            ChecksumAlgorithm="SHA256",
            ChecksumSHA256=b64(bytes.fromhex(sha256)),
        )
        return StoredBlob(sha256=sha256, size=len(data), created=True)

    def _commit(self, tmp_key: str, sha256: str, size: int, claim: Claim | None) -> StoredBlob:
        """Copy a whole uploaded object to its final key (unless the blob is there already)."""
        try:
            if claim is not None:
                claim(sha256, size)
            if self.exists(sha256):
                return StoredBlob(sha256=sha256, size=size, created=False)
            source = {"Bucket": self.bucket, "Key": tmp_key}
            if size <= _COPY_LIMIT:
                done = self.client.copy_object(
                    Bucket=self.bucket,
                    Key=self._key(sha256),
                    CopySource=source,
                    ChecksumAlgorithm="SHA256",
                )
                stated = done.get("CopyObjectResult", {}).get("ChecksumSHA256")
                if stated and stated != b64(bytes.fromhex(sha256)):
                    self.client.delete_object(Bucket=self.bucket, Key=self._key(sha256))
                    raise OSError(f"S3 holds other bytes than were sent for blob {sha256}")
            else:
                self.client.copy(source, self.bucket, self._key(sha256))  # copied in parts
            return StoredBlob(sha256=sha256, size=size, created=True)
        finally:
            self.client.delete_object(Bucket=self.bucket, Key=tmp_key)

    # ------------------------------------------------------------------ reading

    def _head(self, sha256: str) -> dict[str, Any]:
        try:
            return cast(
                "dict[str, Any]", self.client.head_object(Bucket=self.bucket, Key=self._key(sha256))
            )
        except ClientError as exc:
            if _missing(exc):
                raise BlobMissing(sha256) from exc
            raise

    def exists(self, sha256: str) -> bool:
        try:
            self._head(sha256)
        except BlobMissing:
            return False
        return True

    def size(self, sha256: str) -> int:
        return int(self._head(sha256)["ContentLength"])

    def _get(self, sha256: str, **extra: str) -> Any:
        try:
            return self.client.get_object(Bucket=self.bucket, Key=self._key(sha256), **extra)
        except ClientError as exc:
            if _missing(exc):
                raise BlobMissing(sha256) from exc
            raise

    def open(self, sha256: str) -> BinaryIO:
        return cast(BinaryIO, self._get(sha256)["Body"])

    def iter_bytes(self, sha256: str, start: int = 0, end: int | None = None) -> Iterator[bytes]:
        if end is not None and end <= start:
            return
        wanted = f"bytes={start}-" if end is None else f"bytes={start}-{end - 1}"
        try:
            body = self._get(sha256, Range=wanted)["Body"]
        except ClientError as exc:
            if exc.response.get("Error", {}).get("Code") == "InvalidRange":
                return  # starts past the end: nothing
            raise
        try:
            yield from body.iter_chunks(CHUNK)
        finally:
            body.close()

    def local_path(self, sha256: str) -> Path | None:
        return None

    def delete(self, sha256: str) -> None:
        try:
            key = self._key(sha256)
        except BlobMissing:
            return
        self.client.delete_object(Bucket=self.bucket, Key=key)

    def download_url(self, sha256: str, *, media_type: str, disposition: str) -> str | None:
        """A short-lived GET address for the blob on S3 itself (when presigned downloads are
        on), answered with the given ``Content-Type`` and ``Content-Disposition``."""
        if not self.presigned_downloads:
            return None
        return str(
            self.client.generate_presigned_url(
                "get_object",
                Params={
                    "Bucket": self.bucket,
                    "Key": self._key(sha256),
                    "ResponseContentType": media_type,
                    "ResponseContentDisposition": disposition,
                },
                ExpiresIn=self.presigned_seconds,
            )
        )

    # ------------------------------------------------------------------ upkeep

    def blob_times(self) -> Iterator[tuple[str, float]]:
        """Every blob: its sha256 and when it was written (epoch seconds)."""
        for sha, _size, written in self.blob_objects():
            yield sha, written

    def blob_objects(self) -> Iterator[tuple[str, int, float]]:
        """Every blob: its sha256, size and when it was written (epoch seconds). Objects under
        the prefix that are not blobs (the temporary ``.tmp/`` area, gc's ``.trash/``, foreign
        keys) are skipped."""
        pages = self.client.get_paginator("list_objects_v2").paginate(
            Bucket=self.bucket, Prefix=self._under("")
        )
        for page in pages:
            for item in page.get("Contents", []):
                name = item["Key"].rsplit("/", 1)[-1]
                if _SHA256.match(name) and item["Key"] == self._key(name):
                    yield name, int(item["Size"]), item["LastModified"].timestamp()

    def trashed_objects(self) -> Iterator[tuple[str, float]]:
        """The blobs a gc moved to ``.trash/`` and has not finished with: sha256, when moved."""
        pages = self.client.get_paginator("list_objects_v2").paginate(
            Bucket=self.bucket, Prefix=self._under(".trash/")
        )
        for page in pages:
            for item in page.get("Contents", []):
                name = item["Key"].rsplit("/", 1)[-1]
                if _SHA256.match(name):
                    yield name, item["LastModified"].timestamp()

    def _trash_key(self, sha256: str) -> str:
        if not _SHA256.match(sha256):
            raise BlobMissing(sha256)
        return self._under(f".trash/{sha256}")

    def _copy(self, source: str, target: str) -> None:
        self.client.copy({"Bucket": self.bucket, "Key": source}, self.bucket, target)

    def to_trash(self, sha256: str) -> bool:
        """Move the blob to ``.trash/`` (copy, then delete); False when it is not there."""
        try:
            self._copy(self._key(sha256), self._trash_key(sha256))
        except ClientError as exc:
            if _missing(exc):
                return False
            raise
        self.client.delete_object(Bucket=self.bucket, Key=self._key(sha256))
        return True

    def from_trash(self, sha256: str) -> None:
        """Copy a trashed blob back to its key (the trashed copy stays: ``drop_trash``)."""
        self._copy(self._trash_key(sha256), self._key(sha256))

    def drop_trash(self, sha256: str) -> None:
        self.client.delete_object(Bucket=self.bucket, Key=self._trash_key(sha256))

    def temporary_objects(self) -> Iterator[tuple[str, int | None, float]]:
        """What unfinished writes left under ``.tmp/``: each temporary object (key, size, when
        written) and each multipart upload not yet completed (key, None, when started)."""
        tmp = self._under(".tmp/")
        objects = self.client.get_paginator("list_objects_v2").paginate(
            Bucket=self.bucket, Prefix=tmp
        )
        for page in objects:
            for item in page.get("Contents", []):
                yield item["Key"], int(item["Size"]), item["LastModified"].timestamp()
        uploads = self.client.get_paginator("list_multipart_uploads").paginate(
            Bucket=self.bucket, Prefix=tmp
        )
        for page in uploads:
            for item in page.get("Uploads", []):
                yield item["Key"], None, item["Initiated"].timestamp()

    def sweep_temporary(self, older_than_s: float = 6 * 3600) -> int:
        """Abort multipart uploads and delete temporary objects that a killed process left
        behind (old enough that no live upload still writes them); returns how many."""
        cutoff = time.time() - older_than_s
        tmp = self._under(".tmp/")
        count = 0
        uploads = self.client.get_paginator("list_multipart_uploads").paginate(
            Bucket=self.bucket, Prefix=tmp
        )
        for page in uploads:
            for item in page.get("Uploads", []):
                if item["Initiated"].timestamp() < cutoff:
                    self.client.abort_multipart_upload(
                        Bucket=self.bucket, Key=item["Key"], UploadId=item["UploadId"]
                    )
                    count += 1
        objects = self.client.get_paginator("list_objects_v2").paginate(
            Bucket=self.bucket, Prefix=tmp
        )
        for page in objects:
            for obj in page.get("Contents", []):
                if obj["LastModified"].timestamp() < cutoff:
                    self.client.delete_object(Bucket=self.bucket, Key=obj["Key"])
                    count += 1
        return count
