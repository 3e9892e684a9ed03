"""Five uploads in a row: the time from the first upload until all five automated checks have
finished, with one Dask worker (the hub's old default) and with the cluster sized from the
machine (the default now: ``jobs.sizing``).

Each run starts ``modelhub serve`` (SQLite, its embedded cluster, the real bubblewrap sandbox)
in a fresh data directory, runs one warm-up check (the workers import the test libraries once),
waits ``--settle`` seconds for every worker's pre-started sandboxes, then uploads the five real
packages of the test suite one after another: the nuclei U-Net of ``tests/data`` and the demo
packages the functional check tests build."""

from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path

import httpx

from common import RunningHub, running_hub, shared_package_zip, zip_folder
from modelhub.demo.builder import build_package

# (kind, seed, name) of the demo packages, as tests/functional/checks builds them
DEMO = [
    ("model-0.5-state-dict", 5, "Bench tiny nucleus detector A"),
    ("model-0.5-torchscript", 2, "Bench smoothing filter"),
    ("model-0.4", 0, "Bench legacy nucleus detector"),
    ("model-0.5-state-dict", 7, "Bench tiny nucleus detector B"),
]
FINISHED = ("passed", "failed", "error")


def packages(folder: Path) -> list[tuple[str, bytes]]:
    """The five packages as zip bytes, with a label each."""
    built = [("unet2d_nuclei_broad", shared_package_zip(folder / "unet.zip").read_bytes())]
    for kind, seed, name in DEMO:
        pkg = build_package(kind, folder / f"{kind}-{seed}", name=name, seed=seed)
        archive = zip_folder(pkg.root, folder / f"{kind}-{seed}.zip")
        built.append((f"{kind} (seed {seed})", archive.read_bytes()))
    return built


def upload(client: httpx.Client, body: bytes) -> int:
    answer = client.post(
        "/api/v1/uploads", content=body, headers={"content-type": "application/zip"}
    )
    answer.raise_for_status()
    check_id: int = answer.json()["check_id"]
    return check_id


Seen = tuple[str, str | None, float]


def wait_all(client: httpx.Client, check_ids: list[int], timeout: float) -> dict[int, Seen]:
    """check id -> (status, reason, ``perf_counter`` when it was seen finished)."""
    start = time.perf_counter()
    seen: dict[int, Seen] = {}
    while len(seen) < len(check_ids):
        for check_id in check_ids:
            if check_id in seen:
                continue
            run = client.get(f"/api/v1/checks/{check_id}").json()
            if run["status"] in FINISHED:
                seen[check_id] = (run["status"], run.get("reason"), time.perf_counter())
        if time.perf_counter() - start > timeout:
            raise TimeoutError(f"only {len(seen)} of {len(check_ids)} checks finished")
        time.sleep(0.2)
    return seen


def cluster_line(hub: RunningHub) -> str:
    for line in hub.log.read_text(errors="replace").splitlines():
        if "jobs run on" in line:
            return line.strip()
    return "(the hub did not say how its jobs run)"


def one_run(
    label: str, env: dict[str, str], bodies: list[tuple[str, bytes]], settle: float
) -> float:
    with running_hub(jobs=True, env=env) as hub, hub.client() as client:
        print(f"-- {label}: {cluster_line(hub)}")
        wait_all(client, [upload(client, bodies[0][1])], timeout=900)  # warm-up
        time.sleep(settle)
        first = time.perf_counter()
        uploads = []
        for name, body in bodies:
            uploads.append((name, upload(client, body), time.perf_counter()))
        ids = [check_id for _, check_id, _ in uploads]
        done = wait_all(client, ids, timeout=1800)
        total = max(t for _, _, t in done.values()) - first
        for name, check_id, uploaded in uploads:
            status, reason, ended = done[check_id]
            why = f" ({reason[:80]})" if reason and status != "passed" else ""
            print(f"   {name}: {status}{why}, {ended - uploaded:.1f} s after its upload")
        print(f"   all 5 checked {total:.1f} s after the first upload")
        return total


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--settle", type=float, default=30, help="seconds to wait after warm-up")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="modelhub-bench-pkgs-") as tmp:
        bodies = packages(Path(tmp))
        before = one_run(
            "1 worker (old default)", {"MODELHUB_DASK_WORKERS": "1"}, bodies, args.settle
        )
        after = one_run("sized from the machine", {}, bodies, args.settle)
    print(f"time until all 5 checked: 1 worker {before:.1f} s; machine-sized {after:.1f} s")
    print(f"speed-up: {before / after:.2f}x")


if __name__ == "__main__":
    main()
