"""Helpers of the review tests: a tiny real package, uploads and actions over HTTP."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import httpx
import pytest
import yaml

from modelhub.cli.packing import zip_folder
from modelhub.demo.builder import build_package
from tests.conftest import OVERRIDE, auth


def build_zip(root: Path, *, github_users: tuple[str, ...] = ()) -> bytes:
    """A small real 0.5 model package as zip bytes; ``github_users`` become extra authors."""
    folder = root / "pkg"
    build_package("model-0.5-torchscript", folder, name="Review test model")
    if github_users:
        rdf_path = folder / "rdf.yaml"
        rdf = yaml.safe_load(rdf_path.read_text())
        rdf["authors"] = [*rdf["authors"], *({"name": u.title(), "github_user": u}
                                             for u in github_users)]  # fmt: skip
        rdf_path.write_text(yaml.safe_dump(rdf, sort_keys=False))
    return zip_folder(folder, root / "pkg.zip").read_bytes()


@pytest.fixture(scope="module")
def package(tmp_path_factory: pytest.TempPathFactory) -> bytes:
    return build_zip(tmp_path_factory.mktemp("review-pkg"))


def upload(http: httpx.Client, token: str, data: bytes, **params: str) -> dict[str, Any]:
    r = http.post(
        "/api/v1/uploads",
        content=data,
        params=params,
        headers={**auth(token), "content-type": "application/zip"},
    )
    assert r.status_code == 201, r.text
    body: dict[str, Any] = r.json()
    return body


def act(
    http: httpx.Client, token: str | None, rid: str, action: str, **body: Any
) -> httpx.Response:
    """POST one review action (``submit``, ``approve``, …) with an optional token."""
    headers = auth(token) if token else {}
    path = f"/api/v1/resources/{rid}/review/{action.replace('_', '-')}"
    return http.post(path, json=body, headers=headers)


def publish(http: httpx.Client, admin: str, rid: str) -> dict[str, Any]:
    r = http.post(f"/api/v1/resources/{rid}/publish", json=OVERRIDE, headers=auth(admin))
    assert r.status_code == 201, r.text
    body: dict[str, Any] = r.json()
    return body


def error_code(r: httpx.Response) -> str:
    code: str = r.json()["error"]["code"]
    return code
