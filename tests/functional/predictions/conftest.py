"""A hub that runs predictions for real, shared by the tests of a module: served on a loopback
port, its dispatcher on an embedded Dask cluster, models in the bubblewrap sandbox. Starting
the cluster and the first warm host costs seconds, so a module starts them once."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import numpy as np
import pytest

from modelhub.accounts.models import Role
from modelhub.app import build_hub
from modelhub.cli.packing import zip_folder
from modelhub.demo.builder import build_package
from modelhub.jobs.sizing import ClusterSize
from modelhub.wiring import dispatcher_for, register_job_kinds
from tests.conftest import OVERRIDE, LiveServer, auth, hub_settings, make_user, serving_in_thread
from tests.waiting import eventually


@dataclass
class Running:
    server: LiveServer
    http: httpx.Client
    admin: str
    member: str
    other: str
    model: str  # a published tiny torchscript model (1 channel in, 1 out, any size ≥ 16)
    folder: Path  # its package folder (test input and output)


def publish(http: httpx.Client, token: str, folder: Path, *, checked: bool = False) -> str:
    """Upload and publish ``folder``; ``checked``: also wait for the upload's own check (on a hub
    whose workers run), so that it does not hold the one worker while a test predicts."""
    data = zip_folder(folder, folder.with_suffix(".zip")).read_bytes()
    r = http.post(
        "/api/v1/uploads", content=data, headers={**auth(token), "content-type": "application/zip"}
    )
    assert r.status_code == 201, r.text
    rid: str = r.json()["resource_id"]
    done = http.post(f"/api/v1/resources/{rid}/publish", headers=auth(token), json=OVERRIDE)
    assert done.status_code == 201, done.text
    if checked:
        check = r.json()["check_id"]

        def finished() -> bool:
            status = http.get(f"/api/v1/checks/{check}", headers=auth(token)).json()["status"]
            return status not in ("queued", "running")

        eventually(finished, timeout=600, interval=0.5, what="the upload's check finished")
    return rid


@pytest.fixture(scope="module")
def running(migrated_template: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Running]:
    root = tmp_path_factory.mktemp("predict")
    settings = hub_settings(migrated_template, root)
    settings.check_scratch_dir = root / "scratch"
    settings.predict_timeout_s = 240
    settings.predict_memory_bytes = 2 * 1024**3
    hub = build_hub(settings)
    register_job_kinds(hub)
    size = ClusterSize(workers=1, worker_memory_bytes=4 * 1024**3, reason="tests")
    hub.jobs = dispatcher_for(hub, size)
    with serving_in_thread(hub) as live, httpx.Client(base_url=live.url, timeout=300) as http:
        admin = make_user(hub, "ada", Role.admin)
        folder = root / "tiny"
        build_package("model-0.5-torchscript", folder, name="Tiny smoothing filter", seed=3)
        model = publish(http, admin, folder, checked=True)
        yield Running(
            server=live,
            http=http,
            admin=admin,
            member=make_user(hub, "mo"),
            other=make_user(hub, "olga"),
            model=model,
            folder=folder,
        )
    hub.engine.dispose()


def npy_bytes(array: np.ndarray) -> bytes:
    import io

    buffer = io.BytesIO()
    np.save(buffer, array)
    return buffer.getvalue()
