"""Packages shared by the upload page tests, built once per module."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from tests.functional.review.common import build_zip
from tests.functional.uploads_pages.common import package_zip


@pytest.fixture(scope="module")
def good_zip(tmp_path_factory: pytest.TempPathFactory) -> bytes:
    return build_zip(tmp_path_factory.mktemp("good"))


@pytest.fixture(scope="module")
def bad_package(tmp_path_factory: pytest.TempPathFactory) -> tuple[bytes, dict[str, Any]]:
    """A 0.4.9 model with a custom license and no authors (both refused by the format)."""
    return package_zip(Path(tmp_path_factory.mktemp("bad")), license="my-own-license", authors=None)
