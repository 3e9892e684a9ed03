"""A running ``modelhub serve`` whose backing services go away and come back: the S3 endpoint
(through a loopback proxy switched off: moto's objects are kept) and PostgreSQL (a server of
the test's own, stopped with ``-m immediate`` and started again). While away, requests get a
503 with a stable code and nothing half-stored; afterwards the same hub, never restarted,
works again, fsck finds nothing and every job ran once."""

from __future__ import annotations

import json
import os
import subprocess
from collections.abc import Iterator
from pathlib import Path

import boto3
import httpx
import pytest
from sqlalchemy import func, select

from modelhub.accounts.models import Role
from modelhub.app import build_hub
from modelhub.catalog.models import ResourceVersion
from modelhub.checks.models import CheckRun
from modelhub.config import Settings
from modelhub.db import upgrade_database
from modelhub.jobs.models import Job, JobStatus
from modelhub.maintenance.s3gc import gc_s3
from modelhub.storage.models import Blob
from modelhub.storage.s3 import S3Storage
from tests.conftest import auth, free_port, make_user
from tests.faultproxy import FaultProxy, proxied
from tests.functional.maintenance.common import package_zip
from tests.own_postgres import own_postgres, postgres_bin
from tests.s3server import S3Server
from tests.serving import MODELHUB, serve_process
from tests.waiting import eventually

pytestmark = pytest.mark.slow


def _env(settings: Settings, **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("MODELHUB_")}
    env |= {
        "MODELHUB_DATA_DIR": str(settings.data_dir),
        "MODELHUB_DATABASE_URL": settings.resolved_database_url,
        "MODELHUB_CHECK_SCRATCH_DIR": str(settings.data_dir.parent / "scratch"),
        "MODELHUB_GC_INTERVAL_S": "0",
        "MODELHUB_ALLOW_SELF_APPROVAL": "true",
    }
    return env | extra


def _upload(url: str, token: str, body: bytes) -> httpx.Response:
    return httpx.post(
        f"{url}/api/v1/uploads",
        content=body,
        headers={**auth(token), "content-type": "application/zip"},
        timeout=120,
    )


def _fsck(env: dict[str, str]) -> tuple[int, dict[str, int]]:
    done = subprocess.run(
        [str(MODELHUB), "fsck", "--json"], env=env, capture_output=True, text=True, timeout=120
    )
    return done.returncode, json.loads(done.stdout)["counts"]


@pytest.fixture
def s3_settings(settings: Settings, s3: S3Server) -> Settings:
    return settings.model_copy(update={"storage_url": s3.url(), "s3_endpoint_url": None})


@pytest.fixture
def proxy(s3: S3Server) -> Iterator[FaultProxy]:
    port = int(s3.endpoint_url.rsplit(":", 1)[1])
    with proxied("127.0.0.1", port) as running:
        yield running


def _keys(s3: S3Server, storage_url: str) -> list[str]:
    prefix = storage_url.split("/", 3)[3]
    client = boto3.client("s3", endpoint_url=s3.endpoint_url)
    listed = client.list_objects_v2(Bucket=s3.bucket, Prefix=f"{prefix}/")
    return [item["Key"] for item in listed.get("Contents", [])]


def test_s3_endpoint_down_during_an_upload(
    s3_settings: Settings, s3: S3Server, proxy: FaultProxy, tmp_path: Path
) -> None:
    hub = build_hub(s3_settings.model_copy(update={"s3_endpoint_url": s3.endpoint_url}))
    token = make_user(hub, "ada", Role.admin)
    storage_url = s3_settings.storage_url
    assert storage_url is not None
    env = _env(s3_settings, MODELHUB_STORAGE_URL=storage_url)
    log = tmp_path / "serve.log"
    with serve_process(
        ["--no-jobs"], env=env | {"MODELHUB_S3_ENDPOINT_URL": proxy.url}, log=log
    ) as (
        url,
        _,
    ):
        body = package_zip(tmp_path, 1).read_bytes()
        proxy.down()
        refused = _upload(url, token, body)
        assert refused.status_code == 503, refused.text
        assert refused.json()["error"]["code"] == "storage_unavailable"
        assert refused.headers["retry-after"] == "5"
        assert proxy.refused > 0
        # nothing half-stored: no row, no object, no staging folder
        with hub.sessions() as db:
            assert db.scalar(select(func.count()).select_from(ResourceVersion)) == 0
            # PostgreSQL commits each claim on its own: what is left is claims, which gc removes
            assert db.scalar(select(func.count()).where(Blob.claimed_at.is_(None))) == 0
        assert _keys(s3, storage_url) == []
        assert list(hub.settings.staging_dir.glob("upload-*")) == []
        proxy.up()
        done = _upload(url, token, body)
        assert done.status_code == 201, done.text
    with hub.sessions() as db:
        assert db.scalar(select(func.count()).select_from(ResourceVersion)) == 1
    # on PostgreSQL the failed upload's claims were committed on their own: gc removes them
    assert isinstance(hub.storage, S3Storage)
    swept = gc_s3(sessions=hub.sessions, storage=hub.storage, grace_s=0)
    assert set(swept.removed) <= {"stale_blob_row"} and not swept.kept
    assert _fsck(env | {"MODELHUB_S3_ENDPOINT_URL": s3.endpoint_url}) == (0, {})
    hub.engine.dispose()


@pytest.mark.skipif(
    not os.environ.get("MODELHUB_TEST_DATABASE_URL"),
    reason="restarts a PostgreSQL server of its own: set MODELHUB_TEST_DATABASE_URL",
)
@pytest.mark.skipif(postgres_bin() is None, reason="no PostgreSQL binaries to start one")
def test_postgres_restarted_under_a_running_hub(tmp_path: Path) -> None:
    with own_postgres(free_port()) as pg:
        upgrade_database(pg.url)
        data = tmp_path / "data"
        data.mkdir()
        settings = Settings(data_dir=data, database_url=pg.url, allow_self_approval=True)
        hub = build_hub(settings)
        token = make_user(hub, "ada", Role.admin)
        env = _env(settings, MODELHUB_DASK_WORKERS="1")
        with serve_process([], env=env, log=tmp_path / "serve.log") as (url, _):
            bodies = [package_zip(tmp_path, n).read_bytes() for n in (1, 2)]
            first = _upload(url, token, bodies[0])
            assert first.status_code == 201, first.text
            # at once: the first upload's check is queued or running while the server is away
            pg.stop("immediate")
            away = httpx.get(f"{url}/api/v1/resources", timeout=30)
            assert (away.status_code, away.json()["error"]["code"]) == (
                503,
                "database_unavailable",
            )
            refused = _upload(url, token, bodies[1])
            assert refused.status_code == 503, refused.text
            pg.start()
            back = httpx.get(f"{url}/api/v1/resources", timeout=30)
            assert back.status_code == 200, back.text
            second = _upload(url, token, bodies[1])
            assert second.status_code == 201, second.text

            def jobs() -> list[tuple[str, JobStatus, int]]:
                with hub.sessions() as db:
                    return [(j.kind, j.status, j.attempts) for j in db.scalars(select(Job))]

            eventually(
                lambda: all(status.finished for _, status, _ in jobs()),
                timeout=60,
                what=lambda: f"every job ended: {jobs()}",
            )
        checks = [(k, s, n) for k, s, n in jobs() if k == "check"]
        assert checks == [("check", JobStatus.succeeded, 1)] * 2
        with hub.sessions() as db:
            runs = db.execute(select(CheckRun.version_id, CheckRun.status)).all()
        assert len(runs) == 2 and len({v for v, _ in runs}) == 2
        hub.engine.dispose()
