"""Content for the load test: more published resources beside the demo ones (so that search has
something to do), the list of what the clients ask for, and the small package they upload."""

from __future__ import annotations

import json
import tempfile
from pathlib import Path
from typing import Any

import httpx

from modelhub.cli.packing import zip_folder
from modelhub.demo.builder import build_package

WORDS = (
    "nuclei",
    "membrane",
    "mitochondria",
    "organoid",
    "zebrafish",
    "tissue",
    "neuron",
    "bacteria",
    "yeast",
    "platelet",
)
PUBLISH = {"override_reason": "load test content: the automated check does not run here"}


def publish_more(url: str, token: str, count: int) -> list[str]:
    """Upload and publish ``count`` small datasets with varied names through the API; returns
    their ids."""
    made = []
    headers = {"authorization": f"Bearer {token}"}
    with (
        tempfile.TemporaryDirectory(prefix="modelhub-load-") as tmp,
        httpx.Client(base_url=url, headers=headers, timeout=120) as http,
    ):
        for index in range(count):
            first, second = WORDS[index % len(WORDS)], WORDS[(index // len(WORDS)) % len(WORDS)]
            name = f"Load {first} and {second} images {index}"
            pkg = build_package("dataset-0.5", Path(tmp) / f"src-{index}", name=name, seed=index)
            body = zip_folder(pkg.root, Path(tmp) / f"pkg-{index}.zip").read_bytes()
            sent = http.post(
                "/api/v1/uploads", content=body, headers={"content-type": "application/zip"}
            )
            sent.raise_for_status()
            rid = sent.json()["resource_id"]
            http.post(f"/api/v1/resources/{rid}/publish", json=PUBLISH).raise_for_status()
            made.append(rid)
    return made


def targets(url: str) -> list[dict[str, Any]]:
    """Every published resource: its id, latest version and file paths."""
    found: list[dict[str, Any]] = []
    with httpx.Client(base_url=url, timeout=60) as http:
        page = 1
        while True:
            listed = http.get("/api/v1/resources", params={"per_page": 100, "page": page})
            listed.raise_for_status()
            items = listed.json()["items"]
            for item in items:
                version = item["latest_version"]
                if version is None:
                    continue
                got = http.get(f"/api/v1/resources/{item['id']}/versions/{version}")
                got.raise_for_status()
                files = [f["path"] for f in got.json()["files"]]
                found.append({"id": item["id"], "version": version, "files": files})
            if len(items) < 100:
                return found
            page += 1


def upload_template(folder: Path) -> dict[str, str]:
    """The files of a small valid dataset package, as text-safe latin-1 strings by name (the
    clients rewrite the description of ``rdf.yaml`` for each upload)."""
    pkg = build_package("dataset-0.5", folder, name="Load test uploaded images", seed=7)
    return {path.name: path.read_bytes().decode("latin-1") for path in pkg.root.iterdir()}


def write_plan(path: Path, *, token: str, resources: list[dict[str, Any]], folder: Path) -> None:
    """What the locustfile reads: the uploader's token, the targets and the upload's files."""
    plan = {"token": token, "resources": resources, "upload": upload_template(folder)}
    path.write_text(json.dumps(plan))
