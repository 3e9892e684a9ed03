"""Growth of the hub process's memory while a 1 GB file uploads. Target: ≤ 100 MB."""

from __future__ import annotations

import tempfile
import threading
import time
from pathlib import Path

from common import dataset_with_attachment, running_hub, zip_folder

SIZE = 1024 * 1024 * 1024


def rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    raise RuntimeError("no VmRSS")


def main() -> None:
    with tempfile.TemporaryDirectory() as tmp, running_hub() as hub, hub.client() as client:
        folder = dataset_with_attachment(Path(tmp) / "ds", SIZE)
        archive = zip_folder(folder, Path(tmp) / "ds.zip")
        (folder / "images.bin").unlink()
        # warm up: one small upload so that libraries are imported before the baseline
        small = zip_folder(dataset_with_attachment(Path(tmp) / "small", 1024), Path(tmp) / "s.zip")
        client.post(
            "/api/v1/uploads",
            content=small.read_bytes(),
            headers={"content-type": "application/zip"},
        ).raise_for_status()
        baseline = rss_mb(hub.pid)
        peak = baseline
        done = threading.Event()

        def sample() -> None:
            nonlocal peak
            while not done.is_set():
                peak = max(peak, rss_mb(hub.pid))
                time.sleep(0.02)

        sampler = threading.Thread(target=sample)
        sampler.start()
        start = time.perf_counter()
        with archive.open("rb") as src:
            r = client.post(
                "/api/v1/uploads", content=src, headers={"content-type": "application/zip"}
            )
        elapsed = time.perf_counter() - start
        done.set()
        sampler.join()
        r.raise_for_status()
        growth = peak - baseline
        print(
            f"upload of {SIZE / 1e9:.2f} GB accepted in {elapsed:.1f} s "
            f"({SIZE / 1e6 / elapsed:.0f} MB/s)"
        )
        print(f"hub RSS MB: baseline {baseline:.0f}  peak {peak:.0f}  growth {growth:.0f}")
        print(f"target growth ≤ 100 MB: {'met' if growth <= 100 else 'NOT met'}")


if __name__ == "__main__":
    main()
