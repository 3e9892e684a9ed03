"""503 answers when the database or the blob storage is away for a moment (a restarted
PostgreSQL, an S3 endpoint that refuses connections), instead of a bare 500.

Nothing half-done stays behind in either case: the request's transaction is rolled back and
the blobs it had stored are deleted (``storage.service.committed_blobs``) or, when the storage
itself is away, left to ``gc`` as orphans no row knows."""

from __future__ import annotations

import logging

from botocore.exceptions import BotoCoreError, ClientError
from fastapi import FastAPI, Request, Response
from sqlalchemy.exc import InterfaceError, OperationalError

from modelhub.errors import ServiceUnavailable
from modelhub.web import render

log = logging.getLogger(__name__)
RETRY_AFTER_S = 5


def _answer(request: Request, service: str, exc: Exception) -> Response:
    log.warning("%s %s: the %s is unavailable: %s", request.method, request.url.path, service, exc)
    response = render.error_response(request, ServiceUnavailable(service=service))
    response.headers["retry-after"] = str(RETRY_AFTER_S)
    return response


async def database_unavailable(request: Request, exc: Exception) -> Response:
    """``OperationalError`` / ``InterfaceError``: the connection failed or was cut."""
    return _answer(request, "database", exc)


async def storage_unavailable(request: Request, exc: Exception) -> Response:
    """botocore's connection errors and timeouts, and S3's own 5xx answers (after boto3's
    retries); other S3 errors stay errors of the hub (500)."""
    if isinstance(exc, ClientError):
        status = exc.response.get("ResponseMetadata", {}).get("HTTPStatusCode", 0)
        if not 500 <= int(status) < 600:
            raise exc
    return _answer(request, "storage", exc)


def install(app: FastAPI) -> None:
    app.add_exception_handler(OperationalError, database_unavailable)
    app.add_exception_handler(InterfaceError, database_unavailable)
    app.add_exception_handler(BotoCoreError, storage_unavailable)
    app.add_exception_handler(ClientError, storage_unavailable)
