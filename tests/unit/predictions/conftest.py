"""Fixtures of the predictions tests: a demo model in format 0.4, built once per session."""

from pathlib import Path

import pytest

from modelhub.demo.builder import build_package


@pytest.fixture(scope="session")
def model_0_4(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The demo builder's 0.4.9 model (sizes 16 + n*8, output halo 2); read-only."""
    return build_package("model-0.4", tmp_path_factory.mktemp("model-0.4")).root
