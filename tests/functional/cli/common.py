"""Helpers of the CLI tests: ``modelhub`` run as a real subprocess against a real server."""

from __future__ import annotations

import os
import subprocess

from tests.conftest import LiveServer
from tests.serving import MODELHUB


def run_cli(
    server: LiveServer, *args: str, token: str | None = None, env: dict[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    """``modelhub *args`` on ``server``'s hub; ``env`` adds or replaces variables."""
    full = {k: v for k, v in os.environ.items() if not k.startswith("MODELHUB_")}
    full.update(
        MODELHUB_DATA_DIR=str(server.hub.settings.data_dir),
        MODELHUB_DATABASE_URL=server.hub.settings.resolved_database_url,
        MODELHUB_URL=server.url,
    )
    if token:
        full["MODELHUB_TOKEN"] = token
    full.update(env or {})
    return subprocess.run(
        [str(MODELHUB), *args], env=full, capture_output=True, text=True, timeout=300, check=False
    )
