"""A small HTTP client for the hub's API, used by the CLI commands."""

from __future__ import annotations

import os
from collections.abc import Iterator
from typing import Any

import httpx

from modelhub.errors import HubError

DEFAULT_HUB = "http://127.0.0.1:8000"


def hub_url(option: str | None) -> str:
    return (option or os.environ.get("MODELHUB_URL") or DEFAULT_HUB).rstrip("/")


def hub_token(option: str | None) -> str | None:
    return option or os.environ.get("MODELHUB_TOKEN") or None


class HubClient:
    """Talks to one hub; every error answer becomes a ``HubError`` with the server's message."""

    def __init__(self, base: str, token: str | None, *, timeout: float = 600.0) -> None:
        headers = {"authorization": f"Bearer {token}"} if token else {}
        self.base = base
        self.http = httpx.Client(base_url=base, headers=headers, timeout=timeout)

    def close(self) -> None:
        self.http.close()

    def __enter__(self) -> HubClient:
        return self

    def __exit__(self, *_exc: object) -> None:
        self.close()

    def check(self, response: httpx.Response) -> httpx.Response:
        if response.is_success:
            return response
        try:
            body = response.json()
            err = body["error"]
            raise HubError(
                message=err["message"],
                details=[],
                status_code=response.status_code,
                code=err.get("code", "error"),
            ) from _Details(err.get("details", []))
        except (ValueError, KeyError, TypeError):
            raise HubError(
                message=f"The hub answered {response.status_code}: {response.text[:300]}",
                status_code=response.status_code,
                code="http_error",
            ) from None

    def json(self, method: str, path: str, **kwargs: Any) -> Any:
        try:
            return self.check(self.http.request(method, path, **kwargs)).json()
        except httpx.TransportError as exc:
            raise HubError(
                message=f"Cannot reach the hub at {self.base}: {exc}",
                status_code=0,
                code="unreachable",
            ) from exc

    def upload(self, chunks: Iterator[bytes], *, params: dict[str, str]) -> Any:
        return self.json(
            "POST",
            "/api/v1/uploads",
            content=chunks,
            params=params,
            headers={"content-type": "application/zip"},
        )


class _Details(Exception):
    """Carries the server's error details alongside the ``HubError`` (as its cause)."""

    def __init__(self, details: list[Any]) -> None:
        super().__init__("details")
        self.details = details


def details_of(exc: HubError) -> list[Any]:
    cause = exc.__cause__
    return cause.details if isinstance(cause, _Details) else [d.as_json() for d in exc.details]
