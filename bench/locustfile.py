"""The clients of the load test (run by ``bench/load.py``): each one a loop of searches (API and
catalog page), model pages (HTML and JSON twin), downloads (a file of a version, a package zip)
and now and then an upload of a small valid package through the API with a token.

The plan (targets, token, the package's files) comes from the JSON file named by
``MODELHUB_LOAD_PLAN``. Every answer that is not 2xx/3xx counts as a failure, 503
``overloaded`` included; each upload's description differs so the hub never answers 409
``identical_upload``."""

from __future__ import annotations

import io
import itertools
import json
import os
import random
import re
import uuid
import zipfile
from typing import Any

from locust import FastHttpUser, between, task

PLAN: dict[str, Any] = json.loads(open(os.environ["MODELHUB_LOAD_PLAN"]).read())  # noqa: SIM115
RESOURCES: list[dict[str, Any]] = PLAN["resources"]
WORDS = (
    "nuclei",
    "membrane",
    "mitochondria",
    "organoid",
    "zebrafish",
    "segmentation",
    "example",
    "images",
    "denoising",
    "zzzz",
)
UPLOADS = itertools.count()
DESCRIPTION = re.compile(r"^description: .*$", re.MULTILINE)
TIMEOUT_S = 120.0


def upload_body() -> bytes:
    """The plan's package with a description of its own (as ``yaml`` text, one line)."""
    serial = f"{next(UPLOADS)}-{uuid.uuid4().hex[:12]}"
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_STORED) as zf:
        for name, content in sorted(PLAN["upload"].items()):
            data = content.encode("latin-1")
            if name == "rdf.yaml":
                rdf = DESCRIPTION.sub(f"description: Load test upload {serial}.", content, count=1)
                data = rdf.encode("latin-1")
            zf.writestr(name, data)
    return out.getvalue()


class HubClient(FastHttpUser):
    """One client of the hub."""

    wait_time = between(0.0, 0.5)
    network_timeout = TIMEOUT_S
    connection_timeout = TIMEOUT_S

    def _get(self, path: str, name: str, **params: Any) -> None:
        with self.client.get(path, name=name, catch_response=True, **params) as answer:
            if not 200 <= answer.status_code < 400:
                code = _error_code(answer.text)
                answer.failure(f"{answer.status_code} {code}")

    @task(3)
    def search_api(self) -> None:
        query = random.choice(WORDS)
        self._get(f"/api/v1/resources?q={query}", "search: /api/v1/resources?q=")

    @task(2)
    def search_page(self) -> None:
        self._get(f"/?q={random.choice(WORDS)}", "search: /?q=")

    @task(2)
    def model_page(self) -> None:
        self._get(f"/resources/{random.choice(RESOURCES)['id']}", "page: /resources/<id>")

    @task(2)
    def model_json(self) -> None:
        rid = random.choice(RESOURCES)["id"]
        self._get(f"/resources/{rid}?format=json", "page: /resources/<id>?format=json")

    @task(2)
    def download_file(self) -> None:
        item = random.choice(RESOURCES)
        path = random.choice(item["files"])
        self._get(
            f"/artifacts/{item['id']}/{item['version']}/files/{path}",
            "download: /artifacts/<id>/<version>/files/<name>",
        )

    @task(1)
    def download_package(self) -> None:
        rid = random.choice(RESOURCES)["id"]
        self._get(f"/artifacts/{rid}/package.zip", "download: /artifacts/<id>/package.zip")

    @task(1)
    def upload(self) -> None:
        with self.client.post(
            "/api/v1/uploads",
            # geventhttpclient sends bytes as they are; locust's annotation names only str
            data=upload_body(),  # type: ignore[arg-type]
            headers={
                "authorization": f"Bearer {PLAN['token']}",
                "content-type": "application/zip",
            },
            name="upload: POST /api/v1/uploads",
            catch_response=True,
        ) as answer:
            if answer.status_code != 201:
                answer.failure(f"{answer.status_code} {_error_code(answer.text)}")


def _error_code(body: str | None) -> str:
    try:
        return str(json.loads(body or "")["error"]["code"])
    except (ValueError, KeyError, TypeError):
        return "(no error code)"
