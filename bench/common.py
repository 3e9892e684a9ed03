"""Shared pieces of the benchmarks: a real hub process on a free loopback port, an admin token,
and packages to upload. Benchmarks print figures; they are not tests."""

from __future__ import annotations

import os
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import zipfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parents[1]
SHARED_MODEL = ROOT / "tests" / "data" / "unet2d_nuclei_broad"
BIN = Path(sys.executable).parent


@dataclass
class RunningHub:
    url: str
    token: str
    pid: int
    data_dir: Path
    log: Path  # the server's output

    def client(self) -> httpx.Client:
        return httpx.Client(
            base_url=self.url, headers={"authorization": f"Bearer {self.token}"}, timeout=600
        )


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@contextmanager
def running_hub(
    *, jobs: bool = False, demo: bool = False, env: dict[str, str] | None = None
) -> Iterator[RunningHub]:
    """``modelhub serve`` in its own process with a fresh data directory (``jobs``: with its
    embedded Dask cluster running the automated checks; ``demo``: with the example content;
    ``env``: more ``MODELHUB_*`` settings, e.g. a database URL)."""
    with tempfile.TemporaryDirectory(prefix="modelhub-bench-") as tmp:
        data = Path(tmp) / "data"
        # one account uploads and publishes: a one-person hub allows approving one's own upload
        env = {
            **os.environ,
            "MODELHUB_DATA_DIR": str(data),
            "MODELHUB_ALLOW_SELF_APPROVAL": "1",
            **(env or {}),
        }
        created = subprocess.run(
            [str(BIN / "modelhub"), "users", "create", "bench", "--role", "admin"],
            env=env,
            capture_output=True,
            text=True,
            check=True,
        )
        token = created.stdout.strip().splitlines()[-1]
        port = _free_port()
        args = [str(BIN / "modelhub"), "serve", "--port", str(port)]
        if not jobs:
            args.append("--no-jobs")
        if demo:
            args.append("--demo")
        log = Path(tmp) / "serve.log"
        with log.open("wb") as sink:
            proc = subprocess.Popen(args, env=env, stdout=sink, stderr=sink)
        url = f"http://127.0.0.1:{port}"
        try:
            deadline = time.monotonic() + 120
            while True:
                try:
                    if httpx.get(f"{url}/id_map.json", timeout=1).status_code == 200:
                        break
                except httpx.TransportError:
                    pass
                if time.monotonic() > deadline or proc.poll() is not None:
                    raise RuntimeError("the hub did not start")
                time.sleep(0.1)
            yield RunningHub(url=url, token=token, pid=proc.pid, data_dir=data, log=log)
        finally:
            proc.terminate()
            proc.wait(timeout=30)


def shared_package_zip(target: Path) -> Path:
    with zipfile.ZipFile(target, "w", zipfile.ZIP_STORED) as zf:
        for path in sorted(SHARED_MODEL.iterdir()):
            zf.write(path, path.name)
    return target


def dataset_with_attachment(folder: Path, size: int) -> Path:
    """A valid 0.5 dataset package whose attachment is ``size`` random-ish bytes."""
    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir(parents=True)
    block = os.urandom(1024 * 1024)
    with (folder / "images.bin").open("wb") as out:
        written = 0
        while written < size:
            piece = block[: min(len(block), size - written)]
            out.write(piece)
            written += len(piece)
    (folder / "README.md").write_text("# Benchmark data\n\nRandom bytes for transfer benchmarks.\n")
    (folder / "rdf.yaml").write_text(
        "format_version: 0.3.0\n"
        "type: dataset\n"
        "name: Benchmark dataset\n"
        "description: Random bytes used to measure transfers.\n"
        "license: CC0-1.0\n"
        "documentation: README.md\n"
        "authors:\n  - name: Bench Mark\n"
        "cite:\n  - text: Benchmark\n    doi: 10.5281/zenodo.1234567\n"
        "tags: [benchmark]\n"
        "attachments:\n  - source: images.bin\n"
    )
    return folder


def zip_folder(folder: Path, target: Path) -> Path:
    with zipfile.ZipFile(target, "w", zipfile.ZIP_STORED) as zf:
        for path in sorted(folder.iterdir()):
            zf.write(path, path.name)
    return target


def summary(values: list[float]) -> str:
    ordered = sorted(values)
    p90 = ordered[min(len(ordered) - 1, int(0.9 * len(ordered)))]
    median = statistics.median(ordered)
    return f"median {median:.3f}  p90 {p90:.3f}  min {ordered[0]:.3f}  n={len(ordered)}"
