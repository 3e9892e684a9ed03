"""Upload → published latency of the shared package (checks excluded). Target: median ≤ 0.5 s."""

from __future__ import annotations

import statistics
import tempfile
import time
from pathlib import Path

from common import running_hub, shared_package_zip, summary

ROUNDS = 15


def main() -> None:
    with tempfile.TemporaryDirectory() as tmp, running_hub() as hub, hub.client() as client:
        body = shared_package_zip(Path(tmp) / "unet.zip").read_bytes()
        timings = []
        for _ in range(ROUNDS + 2):
            start = time.perf_counter()
            up = client.post(
                "/api/v1/uploads", content=body, headers={"content-type": "application/zip"}
            )
            up.raise_for_status()
            rid = up.json()["resource_id"]
            client.post(
                f"/api/v1/resources/{rid}/publish",
                json={"override_reason": "benchmark: checks are measured separately"},
            ).raise_for_status()
            timings.append(time.perf_counter() - start)
        timings = timings[2:]  # the first rounds warm the libraries' caches
        print(f"package: shared unet2d_nuclei_broad, {len(body) / 1e6:.1f} MB zip")
        print(f"upload→published seconds: {summary(timings)}")
        met = statistics.median(timings) <= 0.5
        print(f"target median ≤ 0.5 s: {'met' if met else 'NOT met'}")


if __name__ == "__main__":
    main()
