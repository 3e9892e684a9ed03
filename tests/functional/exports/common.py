"""Helpers of the export tests: real packages uploaded and published over HTTP, the exported
documents read back, and what an item must say, from the hub's own API."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx

from modelhub.cli.packing import zip_folder
from modelhub.demo.builder import build_package
from tests.conftest import OVERRIDE, auth

REFERENCE = Path(__file__).resolve().parents[2] / "data" / "bioimageio"


def reference(name: str) -> dict[str, Any]:
    """One of bioimage.io's own documents kept in tests/data (real shapes)."""
    found: dict[str, Any] = json.loads((REFERENCE / name).read_text())
    return found


def package(root: Path, name: str, *, kind: str = "dataset-0.5", seed: int = 0) -> bytes:
    folder = root / f"{name.replace(' ', '-')}-{seed}"
    build_package(kind, folder, name=name, seed=seed)
    return zip_folder(folder, folder.with_suffix(".zip")).read_bytes()


def upload(http: httpx.Client, token: str, data: bytes, **params: str) -> str:
    r = http.post(
        "/api/v1/uploads",
        content=data,
        params=params,
        headers={**auth(token), "content-type": "application/zip"},
    )
    assert r.status_code == 201, r.text
    rid: str = r.json()["resource_id"]
    return rid


def publish(http: httpx.Client, token: str, rid: str) -> None:
    r = http.post(f"/api/v1/resources/{rid}/publish", headers=auth(token), json=OVERRIDE)
    assert r.status_code == 201, r.text


def yank(http: httpx.Client, token: str, rid: str, label: str) -> None:
    r = http.post(
        f"/api/v1/resources/{rid}/versions/{label}/yank",
        headers=auth(token),
        json={"reason": "wrong weights"},
    )
    assert r.status_code == 200, r.text


def unyank(http: httpx.Client, token: str, rid: str, label: str) -> None:
    r = http.post(f"/api/v1/resources/{rid}/versions/{label}/unyank", headers=auth(token))
    assert r.status_code == 200, r.text


def document(http: httpx.Client, path: str) -> dict[str, Any]:
    r = http.get(path)
    assert r.status_code == 200, r.text
    assert r.headers["content-type"] == "application/json"
    body: dict[str, Any] = r.json()
    return body


def _stamp(value: str) -> str:
    return datetime.fromisoformat(value).astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def expected_item(http: httpx.Client, url: str, rid: str, labels: list[str]) -> dict[str, Any]:
    """The collection item of ``rid`` listing ``labels`` (newest first), from the API."""
    resource = http.get(f"/api/v1/resources/{rid}").json()
    latest = http.get(f"/api/v1/resources/{rid}/versions/{labels[0]}").json()
    files = f"{url}/artifacts/{rid}/{labels[0]}"
    return {
        "id": rid,
        "type": resource["type"],
        "name": latest["name"],
        "description": latest["description"],
        "tags": latest["tags"],
        "authors": latest["authors"],
        "covers": [f"{files}/files/cover.png"],
        "badges": [],
        "links": [],
        "license": latest["license"],
        "id_emoji": resource["emoji"],
        "nickname": rid,
        "nickname_icon": resource["emoji"],
        "created": _stamp(latest["published_at"]),
        "download_count": "?",
        "download_url": f"{files}/package.zip",
        "rdf_source": f"{files}/files/rdf.yaml",
        "versions": labels,
    }


def expected_entry(http: httpx.Client, url: str, rid: str, labels: list[str]) -> dict[str, Any]:
    """The index.json entry of ``rid`` listing ``labels`` (newest first), from the API."""
    versions = []
    for label in labels:
        v = http.get(f"/api/v1/resources/{rid}/versions/{label}").json()
        sha = next(f["sha256"] for f in v["files"] if f["path"] == "rdf.yaml")
        versions.append(
            {
                "version": label,
                "source": f"{url}/artifacts/{rid}/{label}/files/rdf.yaml",
                "sha256": sha,
                "created_at": _stamp(v["published_at"]),
                "comment": v["change_note"],
            }
        )
    resource = http.get(f"/api/v1/resources/{rid}").json()
    return {"id": rid, "type": resource["type"], "versions": versions}
