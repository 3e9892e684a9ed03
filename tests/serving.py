"""``modelhub serve`` as a real process on a free loopback port, for the tests that need one."""

from __future__ import annotations

import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx
import pytest

from tests.conftest import free_port

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
        deadline = time.monotonic() + start_s
        while True:
            try:
                if httpx.get(f"{url}/id_map.json", timeout=2).status_code == 200:
                    break
            except httpx.TransportError:
                pass
            if proc.poll() is not None or time.monotonic() > deadline:
                pytest.fail(f"serve did not start: {log.read_text()[-3000:]}")
            time.sleep(0.1)
        yield url, proc
    finally:
        if proc.poll() is None:
            proc.terminate()
        proc.wait(timeout=30)
