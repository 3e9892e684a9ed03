"""Wall time of the hub's automated check of the shared package against ``bioimageio test`` on
the same package, measured in the same run. Goal: hub ≤ 0.8 times the CLI (median).

The hub's time runs from the upload's answer to the finished check (queueing, the Dask hand-off,
the copy out of storage, the sandbox, and writing the result all included)."""

from __future__ import annotations

import os
import shutil
import statistics
import subprocess
import tempfile
import time
from pathlib import Path

from common import BIN, SHARED_MODEL, running_hub, shared_package_zip

ROUNDS = 5


def cli_seconds(package: Path, cache: Path) -> float:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("BIOIMAGEIO_", "MODELHUB_"))}
    env["BIOIMAGEIO_CACHE_PATH"] = str(cache)
    start = time.perf_counter()
    done = subprocess.run(
        [str(BIN / "bioimageio"), "test", str(package / "bioimageio.yaml")],
        cwd=cache,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    elapsed = time.perf_counter() - start
    if done.returncode != 0:
        raise RuntimeError(done.stdout[-2000:] + done.stderr[-2000:])
    return elapsed


def main() -> None:
    with (
        tempfile.TemporaryDirectory() as tmp,
        running_hub(jobs=True) as hub,
        hub.client() as client,
    ):
        body = shared_package_zip(Path(tmp) / "unet.zip").read_bytes()
        package = Path(tmp) / "pkg"
        shutil.copytree(SHARED_MODEL, package)
        cache = Path(tmp) / "cache"
        cache.mkdir()

        def hub_seconds() -> float:
            up = client.post(
                "/api/v1/uploads", content=body, headers={"content-type": "application/zip"}
            )
            up.raise_for_status()
            check_id = up.json()["check_id"]
            start = time.perf_counter()
            while True:
                run = client.get(f"/api/v1/checks/{check_id}").json()
                if run["status"] in ("passed", "failed", "error"):
                    break
                time.sleep(0.05)
            if run["status"] != "passed":
                raise RuntimeError(f"check {run['status']}: {run.get('reason')}")
            return time.perf_counter() - start

        hub_seconds()  # the first check also starts the workers' warm sandbox
        cli_seconds(package, cache)
        hub_times, cli_times = [], []
        for _ in range(ROUNDS):
            hub_times.append(hub_seconds())
            cli_times.append(cli_seconds(package, cache))
        h, c = statistics.median(hub_times), statistics.median(cli_times)
        print(f"package: shared unet2d_nuclei_broad; {ROUNDS} alternating rounds after a warm-up")
        for name, times in (("hub check", hub_times), ("bioimageio test", cli_times)):
            print(
                f"{name} seconds: median {statistics.median(times):.2f}  "
                f"min {min(times):.2f}  max {max(times):.2f}"
            )
        print(f"ratio hub/CLI: {h / c:.2f} (goal ≤ 0.8: {'met' if h / c <= 0.8 else 'NOT met'})")


if __name__ == "__main__":
    main()
