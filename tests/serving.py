"""``modelhub serve`` as a real process on a free loopback port, for the tests that need one."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx
import pytest

from tests.conftest import free_port
from tests.waiting import eventually

MODELHUB = Path(sys.executable).parent / "modelhub"


@contextmanager
def serve_process(
    args: list[str], *, env: dict[str, str], log: Path, start_s: float = 60
) -> Iterator[tuple[str, subprocess.Popen[bytes]]]:
    """Run ``modelhub serve ARGS --port <free port>`` (output appended to ``log``) until it
    answers ``/id_map.json``; yields its URL and process, and stops it afterwards (if alive)."""
    port = free_port()
    with log.open("ab") as sink:
        proc = subprocess.Popen(
            [str(MODELHUB), "serve", *args, "--port", str(port)],
            env=env,
            stdout=sink,
            stderr=sink,
        )
    url = f"http://127.0.0.1:{port}"
    try:

        def answers() -> bool:
            try:
                return httpx.get(f"{url}/id_map.json", timeout=2).status_code == 200
            except httpx.TransportError:
                return False

        eventually(
            lambda: proc.poll() is not None or answers(),
            timeout=start_s,
            interval=0.1,
            what=lambda: f"serve answered: {log.read_text()[-3000:]}",
        )
        if proc.poll() is not None:
            pytest.fail(f"serve ended at start: {log.read_text()[-3000:]}")
        yield url, proc
    finally:
        if proc.poll() is None:
            proc.terminate()
        proc.wait(timeout=30)
