"""The data folder is private to the hub's user (folders 0700, files 0600) whatever the umask:
checked after a real upload over HTTP, with the process umask opened to 000."""

from __future__ import annotations

import os
import shutil
import stat
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from modelhub.cli.packing import zip_folder
from modelhub.private import private_dir, private_file, sqlite_path
from modelhub.uploads.receive import staging_area
from tests.conftest import LiveServer, auth, make_user


@pytest.fixture
def open_umask() -> Iterator[None]:
    """Everything created from here on would be world-writable without explicit modes."""
    previous = os.umask(0)
    try:
        yield
    finally:
        os.umask(previous)


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def test_data_folder_blobs_and_database_are_private_after_an_upload(
    open_umask: None, server: LiveServer, shared_model_dir: Path, tmp_path: Path
) -> None:
    settings = server.hub.settings
    token = make_user(server.hub, "uma", password=None)
    work = tmp_path / "pkg"
    shutil.copytree(shared_model_dir, work)
    archive = zip_folder(work, tmp_path / "unet.zip")
    with httpx.Client(base_url=server.url, timeout=60) as http:
        r = http.post(
            "/api/v1/uploads",
            content=archive.read_bytes(),
            headers={**auth(token), "content-type": "application/zip"},
        )
    assert r.status_code == 201, r.text

    assert mode(settings.data_dir) == 0o700
    assert mode(settings.staging_dir) == 0o700
    blobs = settings.resolved_storage_dir
    folders = [p for p in blobs.rglob("*") if p.is_dir()]
    files = [p for p in blobs.rglob("*") if p.is_file()]
    assert len(files) == 10  # the package's 10 files, its description replaced by the served one
    assert {mode(p) for p in [blobs, *folders]} == {0o700}
    assert {mode(p) for p in files} == {0o600}
    database = sqlite_path(settings.resolved_database_url)
    if database is not None:  # the PostgreSQL run has no database file
        assert mode(database) == 0o600
        wal = database.with_name(database.name + "-wal")
        assert not wal.exists() or mode(wal) == 0o600


def test_each_upload_gets_a_private_staging_folder(open_umask: None, tmp_path: Path) -> None:
    root = tmp_path / "staging"
    with staging_area(root) as area:
        assert (mode(root), mode(area)) == (0o700, 0o700)
    assert list(root.iterdir()) == []


def test_an_existing_database_file_keeps_its_content_and_becomes_private(
    tmp_path: Path,
) -> None:
    path = tmp_path / "hub.sqlite3"
    path.write_bytes(b"kept")
    path.chmod(0o666)
    private_file(path)
    assert (mode(path), path.read_bytes()) == (0o600, b"kept")
    assert sqlite_path(f"sqlite:///{path}") == path
    assert sqlite_path("sqlite:///:memory:") is None
    assert sqlite_path("postgresql+psycopg://x@127.0.0.1/db") is None


def test_a_shared_scratch_folder_is_left_as_it_is(open_umask: None, tmp_path: Path) -> None:
    shared = tmp_path / "tmp"
    shared.mkdir(mode=0o777)
    assert private_dir(shared, existing_too=False) == shared
    assert mode(shared) == 0o777  # an operator's /tmp must not become the hub's
    mine = private_dir(shared / "modelhub-checks", existing_too=False)
    assert mode(mine) == 0o700
