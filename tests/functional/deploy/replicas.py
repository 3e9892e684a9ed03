"""Several real ``modelhub serve`` processes forming one hub: one database, one data folder,
the same public address; started together (their start-up duties overlap) and stopped by
their pids."""

from __future__ import annotations

import os
import subprocess
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx
import pytest

from tests.serving import MODELHUB
from tests.waiting import eventually


@contextmanager
def replicas(
    ports: tuple[int, ...],
    *,
    database_url: str,
    data_dir: Path,
    base_url: str,
    logs: Path,
    **settings: str,
) -> Iterator[list[str]]:
    """``modelhub serve --no-jobs`` on each of ``ports`` (``settings``: more ``MODELHUB_*``
    values, by setting name); yields their own URLs once all answer."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("MODELHUB_")}
    env |= {
        "MODELHUB_DATABASE_URL": database_url,
        "MODELHUB_DATA_DIR": str(data_dir),
        "MODELHUB_BASE_URL": base_url,
    }
    env |= {f"MODELHUB_{name.upper()}": value for name, value in settings.items()}
    procs: list[subprocess.Popen[bytes]] = []
    urls = [f"http://127.0.0.1:{port}" for port in ports]
    try:
        for port in ports:
            with (logs / f"serve-{port}.log").open("ab") as sink:
                command = [str(MODELHUB), "serve", "--no-jobs", "--port", str(port)]
                procs.append(subprocess.Popen(command, env=env, stdout=sink, stderr=sink))

        def all_answer() -> bool:
            for proc, url in zip(procs, urls, strict=True):
                if proc.poll() is not None:
                    return True  # reported below
                try:
                    if httpx.get(f"{url}/id_map.json", timeout=2).status_code != 200:
                        return False
                except httpx.TransportError:
                    return False
            return True

        eventually(all_answer, timeout=60, interval=0.1, what="every replica answers")
        for proc, port in zip(procs, ports, strict=True):
            if proc.poll() is not None:
                pytest.fail(f"replica {port} ended: {(logs / f'serve-{port}.log').read_text()}")
        yield urls
    finally:
        for proc in procs:
            if proc.poll() is None:
                proc.terminate()
        for proc in procs:
            proc.wait(timeout=30)
