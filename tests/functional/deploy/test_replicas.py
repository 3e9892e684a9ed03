"""Two real ``modelhub serve`` replicas on one PostgreSQL database and one data folder, nginx
in front (the documented site): an upload and its publication through nginx, seen in search
by both replicas directly, downloaded through nginx; the start-up duties ran once."""

from __future__ import annotations

import io
import os
import zipfile
from pathlib import Path

import httpx
import pytest
from sqlalchemy import create_engine, text

from modelhub.cli.packing import zip_folder
from modelhub.config import Settings
from modelhub.demo.builder import build_package
from tests.conftest import OVERRIDE, auth, free_port
from tests.functional.deploy.nginx import nginx_in_front
from tests.functional.deploy.replicas import replicas

pytestmark = [
    pytest.mark.skipif(
        not os.environ.get("MODELHUB_TEST_DATABASE_URL"),
        reason="replicas share one PostgreSQL database: set MODELHUB_TEST_DATABASE_URL",
    ),
    pytest.mark.slow,
]
NAME = "Replicated nuclei images"


def _leases(database_url: str) -> dict[str, int]:
    engine = create_engine(database_url)
    try:
        with engine.connect() as conn:
            rows = conn.execute(text("SELECT name, runs FROM maintenance_leases"))
            return {name: runs for name, runs in rows}
    finally:
        engine.dispose()


def _found(url: str) -> list[str]:
    page = httpx.get(f"{url}/api/v1/resources", params={"q": "replicated"}, timeout=10)
    assert page.status_code == 200, page.text
    return [item["id"] for item in page.json()["items"]]


def test_two_replicas_behind_nginx_are_one_hub(
    settings: Settings, admin_token: str, tmp_path: Path
) -> None:
    package = build_package("dataset-0.5", tmp_path / "pkg", name=NAME)
    body = zip_folder(package.root, tmp_path / "pkg.zip").read_bytes()
    front = free_port()
    ports = (free_port(), free_port())
    assert settings.database_url is not None
    with (
        replicas(
            ports,
            database_url=settings.database_url,
            data_dir=settings.data_dir,
            base_url=f"http://127.0.0.1:{front}",
            logs=tmp_path,
            allow_self_approval="true",  # the admin publishes its own upload
            usage_fold_interval_s="600",  # one fold due during the test, whatever its pace
        ) as direct,
        nginx_in_front(
            tmp_path / "nginx",
            port=front,
            replicas=(f"127.0.0.1:{ports[0]}", f"127.0.0.1:{ports[1]}"),
        ) as url,
    ):
        # each replica has answered a search (its memory copy is loaded) before the change
        assert [_found(u) for u in direct] == [[], []]
        with httpx.Client(base_url=url, timeout=60, headers=auth(admin_token)) as http:
            made = http.post(
                "/api/v1/uploads", content=body, headers={"content-type": "application/zip"}
            )
            assert made.status_code == 201, made.text
            rid = made.json()["resource_id"]
            published = http.post(f"/api/v1/resources/{rid}/publish", json=OVERRIDE)
            assert published.status_code == 201, published.text
            # one replica made the change; the other's memory copy follows it at once
            assert [_found(u) for u in direct] == [[rid], [rid]]
            assert _found(url) == [rid]
            with http.stream("GET", f"/artifacts/{rid}/package.zip") as download:
                assert download.status_code == 200
                zipped = download.read()
            links = http.get("/id_map.json").json()
        with zipfile.ZipFile(io.BytesIO(body)) as sent, zipfile.ZipFile(io.BytesIO(zipped)) as got:
            assert set(got.namelist()) == set(sent.namelist())
        # every address the replicas hand out is the public one, whichever replica answered
        assert links[rid]["source"].startswith(f"{url}/")
        # both replicas started together: gc, the prediction sweep and the usage fold ran once
        assert _leases(settings.database_url) == {
            "gc": 1,
            "prediction_retention": 1,
            "usage_fold": 1,
        }
