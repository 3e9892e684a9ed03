"""The real ``bioimageio test <id>`` (bioimageio.core's CLI) loads and tests models published on a
real hub server, with only BIOIMAGEIO_ID_MAP and BIOIMAGEIO_COLLECTION_HTTP_PATTERN pointing at us.

The packages are the shared real package and tiny ones built here (trusted code, so running
``bioimageio test`` outside the sandbox is safe)."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import httpx
import pytest

from modelhub.cli.packing import zip_folder
from modelhub.demo.builder import build_package
from tests.conftest import OVERRIDE, LiveServer, auth, namespaced_resource

# SQLite only: the clients read published packages over HTTP; those routes run on both
# databases in the API tests
pytestmark = [pytest.mark.slow, pytest.mark.once]

BIOIMAGEIO = Path(sys.executable).parent / "bioimageio"


def _publish(
    http: httpx.Client, token: str, folder: Path, tmp: Path, resource_id: str | None = None
) -> str:
    archive = zip_folder(folder, tmp / f"{folder.name}.zip")
    r = http.post(
        "/api/v1/uploads",
        content=archive.read_bytes(),
        params={"resource_id": resource_id} if resource_id else {},
        headers={**auth(token), "content-type": "application/zip"},
    )
    assert r.status_code == 201, r.text
    rid: str = r.json()["resource_id"]
    p = http.post(f"/api/v1/resources/{rid}/publish", headers=auth(token), json=OVERRIDE)
    assert p.status_code == 201, p.text
    return rid


def _bioimageio_test(
    server: LiveServer, source: str, tmp: Path, *, pattern: bool = True
) -> subprocess.CompletedProcess[str]:
    workdir = tmp / "cwd"  # an empty working directory: the libraries read a .env file there
    workdir.mkdir(exist_ok=True)
    env = {k: v for k, v in os.environ.items() if not k.startswith(("BIOIMAGEIO_", "MODELHUB_"))}
    env.update(
        BIOIMAGEIO_ID_MAP=f"{server.url}/id_map.json",
        # without the pattern (a URL that answers 404) the client falls back to id_map.json
        BIOIMAGEIO_COLLECTION_HTTP_PATTERN=(
            f"{server.url}/artifacts/{{bioimageio_id}}/files/rdf.yaml"
            if pattern
            else f"{server.url}/nothing-here/{{bioimageio_id}}.yaml"
        ),
        BIOIMAGEIO_CACHE_PATH=str(tmp / "cache"),
    )
    return subprocess.run(
        [str(BIOIMAGEIO), "test", source],
        cwd=workdir,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )


def test_shared_package_tests_by_id(
    http: httpx.Client,
    server: LiveServer,
    admin_token: str,
    shared_model_dir: Path,
    tmp_path: Path,
) -> None:
    work = tmp_path / "unet"
    shutil.copytree(shared_model_dir, work)
    rid = _publish(http, admin_token, work, tmp_path)
    done = _bioimageio_test(server, rid, tmp_path)
    assert done.returncode == 0, done.stdout[-4000:] + done.stderr[-4000:]
    assert "passed" in (done.stdout + done.stderr).lower()


@pytest.mark.parametrize(
    ("kind", "pattern"),
    [("model-0.5-state-dict", True), ("model-0.4", True), ("model-0.5-torchscript", False)],
)
def test_tiny_models_test_by_id_and_version(
    http: httpx.Client,
    server: LiveServer,
    admin_token: str,
    tmp_path: Path,
    kind: str,
    pattern: bool,
) -> None:
    built = build_package(kind, tmp_path / "src", seed=3)
    rid = _publish(http, admin_token, built.root, tmp_path)
    done = _bioimageio_test(server, f"{rid}/v1", tmp_path, pattern=pattern)
    assert done.returncode == 0, done.stdout[-4000:] + done.stderr[-4000:]


@pytest.mark.parametrize(("source", "pattern"), [("", True), ("/v1", False)])
def test_a_namespaced_id_tests_by_id(
    http: httpx.Client,
    server: LiveServer,
    admin_token: str,
    tmp_path: Path,
    source: str,
    pattern: bool,
) -> None:
    # a community partner's resource: the tools put its id, slash included, into the pattern
    # (or look it up in id_map.json)
    namespaced_resource(server.hub, "ilastik/tiny-smoother", maintainer="ada")
    built = build_package("model-0.5-torchscript", tmp_path / "src", seed=5)
    rid = _publish(http, admin_token, built.root, tmp_path, "ilastik/tiny-smoother")
    assert rid == "ilastik/tiny-smoother"
    done = _bioimageio_test(server, rid + source, tmp_path, pattern=pattern)
    assert done.returncode == 0, done.stdout[-4000:] + done.stderr[-4000:]
