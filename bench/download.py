"""Download throughput of a 200 MB file over loopback. Target: ≥ 300 MB/s (median)."""

from __future__ import annotations

import statistics
import tempfile
import time
from pathlib import Path

from common import dataset_with_attachment, running_hub, zip_folder

SIZE = 200 * 1024 * 1024
ROUNDS = 7


def main() -> None:
    with tempfile.TemporaryDirectory() as tmp, running_hub() as hub, hub.client() as client:
        folder = dataset_with_attachment(Path(tmp) / "ds", SIZE)
        archive = zip_folder(folder, Path(tmp) / "ds.zip")
        with archive.open("rb") as src:
            up = client.post("/api/v1/uploads", content=src,
                             headers={"content-type": "application/zip"})
        up.raise_for_status()
        rid = up.json()["resource_id"]
        client.post(f"/api/v1/resources/{rid}/publish").raise_for_status()
        rates = []
        for _ in range(ROUNDS):
            start = time.perf_counter()
            got = 0
            with client.stream("GET", f"/artifacts/{rid}/v1/files/images.bin") as r:
                r.raise_for_status()
                for chunk in r.iter_raw(1024 * 1024):
                    got += len(chunk)
            elapsed = time.perf_counter() - start
            assert got == SIZE, got
            rates.append(SIZE / 1e6 / elapsed)
        med = statistics.median(rates)
        print(f"file: {SIZE / 1e6:.0f} MB; MB/s: median {med:.0f}  min {min(rates):.0f}  "
              f"max {max(rates):.0f}  n={ROUNDS}")
        print(f"target median ≥ 300 MB/s: {'met' if med >= 300 else 'NOT met'}")


if __name__ == "__main__":
    main()
