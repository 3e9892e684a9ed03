"""Download throughput of a 200 MB file over loopback. Target: ≥ 300 MB/s (median).

Measured with curl (a native client, like browsers and download managers: this measures the
server) and, for reference, with httpx (Python's client is itself the bottleneck there)."""

from __future__ import annotations

import shutil
import statistics
import subprocess
import tempfile
import time
from pathlib import Path

import httpx

from common import dataset_with_attachment, running_hub, zip_folder

SIZE = 200 * 1024 * 1024
ROUNDS = 7


def _curl(url: str) -> float:
    out = subprocess.run(
        ["curl", "-sS", "-o", "/dev/null", "-w", "%{size_download} %{time_total}", url],
        capture_output=True,
        text=True,
        check=True,
    ).stdout.split()
    assert int(out[0]) == SIZE, out
    return SIZE / 1e6 / float(out[1])


def _httpx(client: httpx.Client, url: str) -> float:
    start = time.perf_counter()
    got = 0
    with client.stream("GET", url) as r:
        r.raise_for_status()
        for chunk in r.iter_raw(1024 * 1024):
            got += len(chunk)
    assert got == SIZE, got
    return SIZE / 1e6 / (time.perf_counter() - start)


def main() -> None:
    with tempfile.TemporaryDirectory() as tmp, running_hub() as hub, hub.client() as client:
        folder = dataset_with_attachment(Path(tmp) / "ds", SIZE)
        archive = zip_folder(folder, Path(tmp) / "ds.zip")
        with archive.open("rb") as src:
            up = client.post(
                "/api/v1/uploads", content=src, headers={"content-type": "application/zip"}
            )
        up.raise_for_status()
        rid = up.json()["resource_id"]
        client.post(
            f"/api/v1/resources/{rid}/publish",
            json={"override_reason": "benchmark: checks are measured separately"},
        ).raise_for_status()
        url = f"{hub.url}/artifacts/{rid}/v1/files/images.bin"
        native = [_curl(url) for _ in range(ROUNDS)] if shutil.which("curl") else []
        python = [_httpx(client, url) for _ in range(ROUNDS)]
        print(f"file: {SIZE / 1e6:.0f} MB over loopback, {ROUNDS} rounds per client")
        for name, rates in (("curl", native), ("httpx", python)):
            if rates:
                print(
                    f"{name} MB/s: median {statistics.median(rates):.0f}  "
                    f"min {min(rates):.0f}  max {max(rates):.0f}"
                )
        med = statistics.median(native or python)
        which = "curl" if native else "httpx"
        print(f"target median ≥ 300 MB/s ({which}): {'met' if med >= 300 else 'NOT met'}")


if __name__ == "__main__":
    main()
