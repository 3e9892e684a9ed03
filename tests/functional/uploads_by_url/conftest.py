"""A loopback file server that the hub may fetch from (its host:port in the allow-list), and the
shared real package as a zip."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest

from modelhub.cli.packing import zip_folder
from modelhub.hub import Hub
from tests.fileserver import FileServer, file_server


@pytest.fixture
def files(hub: Hub) -> Iterator[FileServer]:
    with file_server() as server:
        hub.settings.fetch_allow_hosts = server.host_port
        hub.settings.fetch_timeout_s = 5
        yield server


@pytest.fixture(scope="module")
def shared_zip(shared_model_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> bytes:
    work = tmp_path_factory.mktemp("shared") / "pkg"
    shutil.copytree(shared_model_dir, work)
    return zip_folder(work, work.parent / "unet.zip").read_bytes()
