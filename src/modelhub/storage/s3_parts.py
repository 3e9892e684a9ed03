"""One multipart upload to S3, each part carrying its own sha256 (``S3Storage`` sends blobs
larger than one part this way, under ``.tmp/``)."""

from __future__ import annotations

import base64
import contextlib
import hashlib
import time
from typing import Any

from botocore.exceptions import ClientError

PART_TRIES = 3


def b64(digest: bytes) -> str:
    return base64.b64encode(digest).decode("ascii")


class Multipart:
    """One multipart upload to a temporary key; parts carry their own sha256."""

    def __init__(self, client: Any, bucket: str, key: str) -> None:
        self.client = client
        self.bucket = bucket
        self.key = key
        started = client.create_multipart_upload(Bucket=bucket, Key=key, ChecksumAlgorithm="SHA256")
        self.upload_id = started["UploadId"]
        self.parts: list[dict[str, Any]] = []

    def send(self, data: bytes) -> None:
        number = len(self.parts) + 1
        checksum = b64(hashlib.sha256(data).digest())
        for attempt in range(1, PART_TRIES + 1):
            try:
                sent = self.client.upload_part(
                    Bucket=self.bucket,
                    Key=self.key,
                    UploadId=self.upload_id,
                    PartNumber=number,
                    Body=data,
                    ChecksumAlgorithm="SHA256",
                    ChecksumSHA256=checksum,
                )
                break
            except ClientError:
                if attempt == PART_TRIES:
                    raise
                time.sleep(0.2 * attempt)
        self.parts.append({"PartNumber": number, "ETag": sent["ETag"], "ChecksumSHA256": checksum})

    def complete(self) -> None:
        self.client.complete_multipart_upload(
            Bucket=self.bucket,
            Key=self.key,
            UploadId=self.upload_id,
            MultipartUpload={"Parts": self.parts},
        )

    def abort(self) -> None:
        with contextlib.suppress(ClientError):  # else the sweep of old uploads finds it
            self.client.abort_multipart_upload(
                Bucket=self.bucket, Key=self.key, UploadId=self.upload_id
            )
