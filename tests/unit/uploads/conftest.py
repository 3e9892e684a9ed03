"""Fixtures for the upload-safety tests: limits and hostile archives built on the spot."""

from __future__ import annotations

import zipfile
from pathlib import Path

import pytest

from modelhub.uploads.archive import UnpackLimits

MiB = 1024 * 1024


@pytest.fixture
def limits() -> UnpackLimits:
    return UnpackLimits(max_upload_bytes=50 * MiB, max_unpacked_bytes=50 * MiB, max_files=100)


@pytest.fixture
def dest(tmp_path: Path) -> Path:
    """An empty unpack destination next to (not above) other test files."""
    path = tmp_path / "staging"
    path.mkdir()
    return path


@pytest.fixture(scope="session")
def zip_bomb(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """300 MB of zeros deflated into a zip of about 300 KB."""
    path = tmp_path_factory.mktemp("bomb") / "bomb.zip"
    zeros = bytes(MiB)
    with (
        zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED) as zf,
        zf.open("rdf.yaml", "w") as f,
    ):
        for _ in range(300):
            f.write(zeros)
    return path
