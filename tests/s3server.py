"""A real S3 API for tests: moto's server on a loopback port, one per test session, with a
bucket and the ``AWS_*`` variables that boto3 reads (dummy credentials: moto accepts any)."""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from dataclasses import dataclass

import boto3

BUCKET = "modelhub-test"


@dataclass(frozen=True)
class S3Server:
    endpoint_url: str
    bucket: str

    def url(self) -> str:
        """A storage URL under a prefix of its own (tests share the bucket, never a prefix)."""
        return f"s3://{self.bucket}/t-{uuid.uuid4().hex[:12]}"


def serving_s3() -> Iterator[S3Server]:
    from moto.server import ThreadedMotoServer  # slow to import: only for tests that use S3

    saved = {k: os.environ.get(k) for k in _ENV}
    os.environ.update(_ENV)
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    endpoint = f"http://{host}:{port}"
    try:
        boto3.client("s3", endpoint_url=endpoint).create_bucket(Bucket=BUCKET)
        yield S3Server(endpoint_url=endpoint, bucket=BUCKET)
    finally:
        server.stop()
        for key, value in saved.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value


_ENV = {
    "AWS_ACCESS_KEY_ID": "testing",
    "AWS_SECRET_ACCESS_KEY": "testing",
    "AWS_DEFAULT_REGION": "us-east-1",
}
