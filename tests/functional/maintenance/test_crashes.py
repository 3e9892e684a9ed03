"""kill -9 of a real ``modelhub serve`` at three points; after a restart ``modelhub fsck``
reports what was left, ``modelhub gc --grace 0`` removes it and fsck finds nothing.

The points: mid-upload (half the body sent), between the blob writes and the commit of an
upload, and between the blob write and the commit of a publication — the last two reached with
the test-only ``MODELHUB_FAULT_POINT`` (``modelhub.faults``). The restarted hub's
own gc is off (``MODELHUB_GC_INTERVAL_S=0``) so that the CLI sees the damage first; the figures
are printed (``pytest -s``)."""

from __future__ import annotations

import hashlib
import json
import os
import signal
import socket
import subprocess
import zipfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import select

from modelhub.accounts.models import Role
from modelhub.catalog.models import ResourceVersion, VersionStatus
from modelhub.config import Settings
from modelhub.hub import Hub
from tests.conftest import OVERRIDE, auth, make_user
from tests.functional.maintenance.common import package_zip
from tests.serving import MODELHUB, serve_process
from tests.waiting import eventually

pytestmark = pytest.mark.slow


def _env(settings: Settings, **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("MODELHUB_")}
    env.update(
        MODELHUB_DATA_DIR=str(settings.data_dir),
        MODELHUB_DATABASE_URL=settings.resolved_database_url,
        MODELHUB_CHECK_SCRATCH_DIR=str(settings.data_dir.parent / "scratch"),
        MODELHUB_GC_INTERVAL_S="0",
        # the test's one admin publishes what it uploaded
        MODELHUB_ALLOW_SELF_APPROVAL="true",
        **extra,
    )
    return env


@contextmanager
def serving(settings: Settings, **extra: str) -> Iterator[tuple[str, subprocess.Popen[bytes]]]:
    log = settings.data_dir.parent / "serve.log"
    with serve_process(["--no-jobs"], env=_env(settings, **extra), log=log) as served:
        yield served


def cli(settings: Settings, *args: str) -> tuple[int, dict[str, Any]]:
    done = subprocess.run(
        [str(MODELHUB), *args, "--json"],
        env=_env(settings),
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    return done.returncode, json.loads(done.stdout)


def recover(settings: Settings, point: str) -> dict[str, int]:
    """Restart, fsck, gc --grace 0, fsck: print the figures, return what fsck found first."""
    with serving(settings):
        code, before = cli(settings, "fsck")
        gc_code, removed = cli(settings, "gc", "--grace", "0")
        after_code, after = cli(settings, "fsck", "--verify")
    print(
        f"{point}: fsck exit {code} found {before['counts']}; gc exit {gc_code} removed "
        f"{removed['removed']}; fsck --verify exit {after_code} found {after['counts']}"
    )
    assert code == 1 and gc_code == 0 and removed["kept"] == {} and removed["lost"] == 0
    assert (after_code, after["counts"]) == (0, {})
    assert removed["removed"] == before["counts"]
    counts: dict[str, int] = before["counts"]
    return counts


def _killed(proc: subprocess.Popen[bytes]) -> None:
    assert proc.wait(timeout=60) == -signal.SIGKILL


def _package_blobs(archive: Path) -> set[str]:
    with zipfile.ZipFile(archive) as zf:
        return {hashlib.sha256(zf.read(n)).hexdigest() for n in zf.namelist() if n != "rdf.yaml"}


@pytest.fixture
def token(hub: Hub) -> str:
    hub.settings.data_dir.mkdir(exist_ok=True)
    return make_user(hub, "ada", Role.admin)


def test_kill_mid_upload(hub: Hub, token: str, tmp_path: Path) -> None:
    body = package_zip(tmp_path, 1).read_bytes()
    staging = hub.settings.staging_dir
    with (
        serving(hub.settings) as (url, proc),
        socket.create_connection(("127.0.0.1", int(url.rsplit(":", 1)[1])), timeout=30) as conn,
    ):
        head = (
            f"POST /api/v1/uploads HTTP/1.1\r\nHost: 127.0.0.1\r\n"
            f"Authorization: Bearer {token}\r\nContent-Type: application/zip\r\n"
            f"Content-Length: {len(body)}\r\n\r\n"
        )
        conn.sendall(head.encode() + body[: len(body) // 2])
        eventually(
            lambda: any(p.stat().st_size for p in staging.glob("upload-*/upload.zip")),
            timeout=60,
            interval=0.02,
            what="the half body reached the staging area",
        )
        proc.send_signal(signal.SIGKILL)
        _killed(proc)
    assert recover(hub.settings, "mid-upload") == {"stale_upload": 1}


def test_kill_between_blob_writes_and_commit(hub: Hub, token: str, tmp_path: Path) -> None:
    archive = package_zip(tmp_path, 2)
    with serving(hub.settings, MODELHUB_FAULT_POINT="upload_after_blobs") as (url, proc):
        with pytest.raises(httpx.TransportError):
            httpx.post(
                f"{url}/api/v1/uploads",
                content=archive.read_bytes(),
                headers={**auth(token), "content-type": "application/zip"},
                timeout=60,
            )
        _killed(proc)
    blobs = _package_blobs(archive)
    # every file of the package, and the served rdf.yaml; the upload's staging folder
    assert recover(hub.settings, "after blobs") == {
        "orphan_blob": len(blobs) + 1,
        "stale_upload": 1,
    }
    with hub.sessions() as db:
        assert db.scalars(select(ResourceVersion)).all() == []


def test_kill_mid_publish(hub: Hub, token: str, tmp_path: Path) -> None:
    archive = package_zip(tmp_path, 3)
    with serving(hub.settings, MODELHUB_FAULT_POINT="publish_after_blobs") as (url, proc):
        done = httpx.post(
            f"{url}/api/v1/uploads",
            content=archive.read_bytes(),
            headers={**auth(token), "content-type": "application/zip"},
            timeout=60,
        )
        assert done.status_code == 201, done.text
        rid = done.json()["resource_id"]
        with pytest.raises(httpx.TransportError):
            httpx.post(
                f"{url}/api/v1/resources/{rid}/publish",
                headers=auth(token),
                json=OVERRIDE,
                timeout=60,
            )
        _killed(proc)
    # the served rdf.yaml naming v1; the revision stays an unpublished draft
    assert recover(hub.settings, "mid-publish") == {"orphan_blob": 1}
    with hub.sessions() as db:
        version = db.scalars(select(ResourceVersion)).one()
        assert (version.status, version.number) == (VersionStatus.draft, None)
