"""Predictions through the hub against bioimageio.core in this process, on the shared package
(unet2d_nuclei_broad: fixed 512 x 512 input, halo 32, torchscript weights), measured in one run.

1. Time to the first result from cold: a hub just started (its Dask worker up, the upload's
   own check finished, no model loaded), one 512² image: from the POST to the answer with the
   finished prediction.
2. Latency of the next predictions of a 512² image (the model warm in its sandboxed host):
   POST with ``wait`` + download of the ``.npy`` result, median of ``ROUNDS``; against
   ``bioimageio.core``'s prediction pipeline in this process (created once, median of
   ``ROUNDS`` predictions). Goal: hub ≤ 1.2 times in-process.
3. A large image predicted blockwise (default 8192², ``--side``): wall time, megapixels per
   second against the in-process pipeline's megapixels per second on 512² images, and the peak
   memory of the hub's processes (web process + Dask workers; the sandboxed host reported
   apart), sampled every 0.2 s. Goal: hub + worker ≤ 2 GB.

Usage: ``python bench/predict.py [--side 8192] [--rounds 5]``.
"""

from __future__ import annotations

import argparse
import io
import os
import statistics
import tempfile
import threading
import time
from pathlib import Path
from typing import Any, Literal

import httpx
import numpy as np
import tifffile

from common import SHARED_MODEL, running_hub, shared_package_zip

WEIGHTS: Literal["torchscript"] = "torchscript"


class InProcess:
    """bioimageio.core's prediction pipeline in this process, made once."""

    def __init__(self) -> None:
        from bioimageio.core import create_prediction_pipeline, load_description

        model: Any = load_description(SHARED_MODEL / "bioimageio.yaml")
        self.pipeline = create_prediction_pipeline(model, weight_format=WEIGHTS)

    def seconds(self, image: np.ndarray) -> float:
        """Seconds of one prediction of ``image`` (y, x)."""
        from bioimageio.core import Sample, Tensor
        from bioimageio.spec.model.v0_5 import TensorId

        tensor = Tensor.from_numpy(
            image[np.newaxis, np.newaxis], dims=("batch", "channel", "y", "x")
        )
        sample = Sample(members={TensorId("raw"): tensor}, stat={}, id=0)
        start = time.perf_counter()
        self.pipeline.predict_sample_without_blocking(sample)
        return time.perf_counter() - start


def tree_rss(root: int) -> tuple[int, int]:
    """Resident memory of ``root`` and its descendants: (hub + workers, sandboxes)."""
    children: dict[int, list[int]] = {}
    names: dict[int, str] = {}
    for entry in os.scandir("/proc"):
        if not entry.name.isdigit():
            continue
        try:
            stat = Path(f"/proc/{entry.name}/stat").read_text()
            parent = int(stat.rsplit(")", 1)[1].split()[1])
            names[int(entry.name)] = (
                Path(f"/proc/{entry.name}/cmdline").read_bytes().decode(errors="replace")
            )
        except (OSError, ValueError, IndexError):
            continue
        children.setdefault(parent, []).append(int(entry.name))
    hub = sandbox = 0
    todo = [(root, False)]
    while todo:
        pid, inside = todo.pop()
        try:
            status = Path(f"/proc/{pid}/status").read_text()
            rss = int(status.split("VmRSS:")[1].split()[0]) * 1024
        except (OSError, IndexError, ValueError):
            rss = 0
        inside = inside or "bwrap" in names.get(pid, "")
        if inside:
            sandbox += rss
        else:
            hub += rss
        todo += [(child, inside) for child in children.get(pid, [])]
    return hub, sandbox


class Peak:
    """Samples the hub's memory in a thread while a block runs."""

    def __init__(self, pid: int) -> None:
        self.pid, self.hub, self.sandbox = pid, 0, 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        while not self._stop.is_set():
            hub, sandbox = tree_rss(self.pid)
            self.hub, self.sandbox = max(self.hub, hub), max(self.sandbox, sandbox)
            self._stop.wait(0.2)

    def __enter__(self) -> Peak:
        self._thread.start()
        return self

    def __exit__(self, *_: object) -> None:
        self._stop.set()
        self._thread.join()


def tiff_bytes(image: np.ndarray) -> bytes:
    buffer = io.BytesIO()
    tifffile.imwrite(buffer, image)
    return buffer.getvalue()


def predict(
    client: httpx.Client, rid: str, name: str, data: bytes, *, fetch: bool
) -> dict[str, Any]:
    r = client.post(
        f"/api/v1/resources/{rid}/predictions",
        files=[("image", (name, data))],
        data={"wait": "60", "weights": WEIGHTS},
    )
    r.raise_for_status()
    found: dict[str, Any] = r.json()["predictions"][0]
    while not found["finished"]:
        found = client.get(found["url"], params={"wait": "60"}).json()
    if found["status"] != "succeeded":
        raise RuntimeError(f"prediction {found['status']}: {found.get('message')}")
    if fetch:
        client.get(found["outputs"][0]["downloads"]["npy"]).raise_for_status()
    return found


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--side", type=int, default=8192)
    parser.add_argument("--rounds", type=int, default=5)
    args = parser.parse_args()
    rng = np.random.default_rng(0)
    images = [(rng.random((512, 512)) * 255).astype("float32") for _ in range(args.rounds + 1)]
    with (
        tempfile.TemporaryDirectory() as tmp,
        running_hub(jobs=True) as hub,
        hub.client() as client,
    ):
        up = client.post(
            "/api/v1/uploads",
            content=shared_package_zip(Path(tmp) / "unet.zip").read_bytes(),
            headers={"content-type": "application/zip"},
        )
        up.raise_for_status()
        rid = up.json()["resource_id"]
        client.post(
            f"/api/v1/resources/{rid}/publish", json={"override_reason": "benchmark"}
        ).raise_for_status()
        check = up.json()["check_id"]  # the package's own check: done before the clock starts
        while client.get(f"/api/v1/checks/{check}").json()["status"] in ("queued", "running"):
            time.sleep(0.2)
        start = time.perf_counter()
        cold = predict(client, rid, "first.tif", tiff_bytes(images[0]), fetch=True)
        cold_s = time.perf_counter() - start
        local = InProcess()
        local.seconds(images[0])  # its first prediction pays for the pipeline's warm-up
        hub_times, local_times = [], []
        for i, image in enumerate(images[1:]):  # alternating, so both see the same machine
            data = tiff_bytes(image)
            start = time.perf_counter()
            done = predict(client, rid, f"next-{i}.tif", data, fetch=True)
            hub_times.append(time.perf_counter() - start)
            local_times.append(local.seconds(image))
        local_s = local_times
        h, c = statistics.median(hub_times), statistics.median(local_s)
        print(
            f"last warm prediction: {done['blocks']} block(s), worker {done['duration_s']:.3f} s,"
            f" model {done['predict_s']:.3f} s"
        )
        load = cold["load_s"]
        print(f"device: {done['device']}; warm: {done['warm']}; model load (cold) {load:.2f} s")
        print(f"time to first result from cold (512²): {cold_s:.2f} s")
        fastest = min(hub_times)
        print(f"512² via the API (warm, POST+wait+download): median {h:.3f} s, min {fastest:.3f} s")
        print(f"512² in-process bioimageio.core: median {c:.3f} s, min {min(local_s):.3f} s")
        verdict = "met" if h / c <= 1.2 else "NOT met"
        print(f"ratio hub/in-process: {h / c:.2f} (goal ≤ 1.2: {verdict})")

        side = args.side
        big = np.zeros((side, side), dtype="uint16")
        for y in range(0, side, 1024):  # a textured image, built in bands
            band = rng.integers(0, 4000, size=(min(1024, side - y), side), dtype="uint16")
            big[y : y + band.shape[0]] = band
        path = Path(tmp) / "big.tif"
        tifffile.imwrite(path, big)
        del big
        data = path.read_bytes()
        with Peak(hub.pid) as peak:
            start = time.perf_counter()
            done = predict(client, rid, "big.tif", data, fetch=False)
            big_s = time.perf_counter() - start
        del data
        mp = side * side / 1e6
        local_mps = 512 * 512 / 1e6 / c
        print(f"{side}² blockwise: {big_s:.1f} s, {done['blocks']} blocks, {mp / big_s:.2f} MP/s")
        ratio = mp / big_s / local_mps
        print(f"in-process whole-image (512²) throughput: {local_mps:.2f} MP/s; ratio {ratio:.2f}")
        gb = peak.hub / 1024**3
        verdict = "met" if gb <= 2 else "NOT met"
        print(f"peak memory: hub + workers {gb:.2f} GB (goal ≤ 2 GB: {verdict});", end=" ")
        print(f"sandboxes (model hosts, warm spares) {peak.sandbox / 1024**3:.2f} GB")


if __name__ == "__main__":
    main()
