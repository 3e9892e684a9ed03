"""run_prediction end to end in the real sandbox: a real model reproduces its own test output,
tiles give what the whole image gives, and a hostile model is stopped with nothing left."""

from __future__ import annotations

import hashlib
import shutil
import textwrap
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest
import yaml

from modelhub.checks.cleanup import cgroup_prefix
from modelhub.checks.judge_compare import Tolerance, compare
from modelhub.checks.limits import GIB, SandboxLimits
from modelhub.checks.sandbox import sandbox_status
from modelhub.checks.sandbox_cgroups import parent_dirs
from modelhub.demo.builder import build_package
from modelhub.predictions.execute import (
    PredictInput,
    PredictReport,
    PredictTask,
    run_prediction,
)
from modelhub.predictions.pools import close_hosts
from modelhub.storage.factory import LocalStorageDescription
from modelhub.storage.local import LocalStorage

UNET = Path(__file__).parents[2] / "data" / "unet2d_nuclei_broad"
LIMITS = SandboxLimits(timeout_s=60, memory_bytes=int(1.5 * GIB), max_processes=64)
MARKER = "modelhub-hostile-prediction"


class Hub:
    """A package storage, a results storage and a scratch root, as a worker sees them."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.packages = LocalStorage(root / "packages")
        self.results = LocalStorage(root / "results")
        self.scratch = root / "scratch"

    def task(
        self,
        package: Path,
        weight_format: str,
        image: np.ndarray,
        axes: str,
        *,
        limits: SandboxLimits = LIMITS,
        max_block_pixels: int = 1 << 20,
    ) -> PredictTask:
        files = tuple((p.name, self.packages.put_file(p).sha256) for p in sorted(package.iterdir()))
        digest = hashlib.sha256(repr(files).encode()).hexdigest()[:12]
        path = self.root / "upload.npy"
        np.save(path, image)
        blob = self.results.put_file(path, move=True).sha256
        return PredictTask(
            prediction_id="p",
            package_storage=LocalStorageDescription(str(self.root / "packages")),
            package_files=files,
            host_key=f"{package.name}/1/{weight_format}/{digest}",
            weight_format=weight_format,
            inputs=(PredictInput("raw", blob, "upload.npy", axes),),
            results_storage=LocalStorageDescription(str(self.root / "results")),
            limits=limits,
            scratch_root=str(self.scratch),
            max_block_pixels=max_block_pixels,
            use_gpu=False,
            spare_host=False,  # no sandbox started ahead: the scratch holds only the host's
        )

    def output(self, report: PredictReport) -> np.ndarray:
        path = self.results.local_path(report.outputs[0].blob)
        assert path is not None
        return np.asarray(np.load(path))


@pytest.fixture(scope="module")
def hub(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Hub]:
    usable, reason = sandbox_status()
    if not usable:
        pytest.fail(f"the sandbox does not work here: {reason}")
    yield Hub(tmp_path_factory.mktemp("hub"))
    close_hosts()


def test_the_nuclei_model_reproduces_its_test_output(hub: Hub) -> None:
    image = np.load(UNET / "test_input.npy")
    report = run_prediction(hub.task(UNET, "torchscript", image, "bcyx"))
    assert report.status == "succeeded", report.message
    assert (report.device, report.warm, report.blocks) == ("cpu", False, 1)
    (output,) = report.outputs
    assert (output.name, output.axes, output.shape, output.dtype) == (
        "probability",
        "bcyx",
        (1, 1, 512, 512),
        "float32",
    )
    expected = np.load(UNET / "test_output.npy")
    judged = compare("probability", hub.output(report), expected, Tolerance(1e-3, 1e-3, 100))
    assert judged.passed, judged.reason


def test_tiles_give_what_the_whole_image_gives(hub: Hub, tmp_path: Path) -> None:
    package = build_package("model-0.5-state-dict", tmp_path / "tiny").root
    image = (np.random.default_rng(7).random((300, 260)) * 255).astype(np.uint8)
    whole = run_prediction(hub.task(package, "pytorch_state_dict", image, "yx"))
    tiled = run_prediction(
        hub.task(package, "pytorch_state_dict", image, "yx", max_block_pixels=48 * 48)
    )
    assert (whole.status, tiled.status) == ("succeeded", "succeeded"), tiled.message
    assert (whole.blocks, whole.warm, tiled.blocks, tiled.warm) == (1, False, 42, True)
    assert whole.load_s > 0 and tiled.load_s == 0
    assert tiled.outputs[0].shape == (300, 260) and tiled.outputs[0].axes == "yx"
    difference = np.abs(hub.output(whole) - hub.output(tiled))
    assert difference.max() < 1e-5


def hostile_package(base: Path, dest: Path, body: str) -> Path:
    """The demo state-dict package whose architecture runs ``body`` when it is built."""
    shutil.copytree(base, dest)
    source = dest / "tiny_net.py"
    init = "        super().__init__()\n"
    hook = textwrap.indent(textwrap.dedent(body).strip() + "\n", " " * 8)
    code = source.read_text().replace(init, init + hook, 1)
    source.write_text("import os, socket, sys, time\n" + code)
    rdf = yaml.safe_load((dest / "rdf.yaml").read_text())
    weights = rdf["weights"]["pytorch_state_dict"]
    weights["architecture"]["sha256"] = hashlib.sha256(source.read_bytes()).hexdigest()
    rdf["weights"] = {"pytorch_state_dict": weights}
    (dest / "rdf.yaml").write_text(yaml.safe_dump(rdf, sort_keys=False))
    return dest


def marked_processes() -> list[int]:
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                if MARKER.encode() in (entry / "cmdline").read_bytes():
                    found.append(int(entry.name))
            except OSError:
                continue
    return found


def test_a_hostile_model_is_stopped_and_leaves_nothing(tmp_path: Path) -> None:
    hub = Hub(tmp_path / "hub")  # its own scratch root: nothing of the host may stay in it
    escape = tmp_path / "escaped.txt"
    body = f"""
    try:
        socket.create_connection(("1.1.1.1", 80), timeout=2).close()
        open({str(escape)!r}, "w").write("reached the network")
    except OSError:
        pass
    try:
        open({str(escape)!r}, "w").write("wrote outside")
    except OSError:
        pass
    if os.fork() == 0:
        os.execv(sys.executable, [sys.executable, "-c", "import time; time.sleep(300)", {MARKER!r}])
    time.sleep(1000)
    """
    base = build_package("model-0.5-state-dict", tmp_path / "base").root
    package = hostile_package(base, tmp_path / "hostile", body)
    image = np.zeros((64, 64), dtype=np.uint8)
    limits = SandboxLimits(timeout_s=5, memory_bytes=int(1.5 * GIB), max_processes=64)
    report = run_prediction(hub.task(package, "pytorch_state_dict", image, "yx", limits=limits))
    assert (report.status, report.error_code, report.outputs) == ("failed", "model_timeout", [])
    assert report.message == "The prediction did not finish within 5 s; the model was stopped."
    assert not escape.exists()
    assert marked_processes() == []
    assert [p.name for p in hub.scratch.iterdir()] == []  # no scratch folder of the host
    prefix = cgroup_prefix(hub.scratch)
    assert [c for d in parent_dirs() for c in d.glob(f"{prefix}-*")] == []


def hosts_here() -> list[str]:
    """The keys of the warm hosts of this (worker) process."""
    from modelhub.predictions import pools

    return [key for pool in pools._pools.values() for key in pool.hosts()]


@pytest.mark.slow
def test_a_large_image_s_tiles_are_shared_with_another_dask_worker(tmp_path: Path) -> None:
    from distributed import Client, LocalCluster

    hub = Hub(tmp_path / "hub")
    package = build_package("model-0.5-state-dict", tmp_path / "tiny").root
    image = (np.random.default_rng(5).random((200, 150)) * 255).astype(np.uint8)
    whole = hub.task(package, "pytorch_state_dict", image, "yx")
    tiled = hub.task(package, "pytorch_state_dict", image, "yx", max_block_pixels=40 * 40)
    with (
        LocalCluster(
            n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None
        ) as cluster,
        Client(cluster) as client,
    ):
        shared = client.submit(run_prediction, tiled, pure=False).result()
        alone = client.submit(run_prediction, whole, pure=False).result()
        held = client.run(hosts_here)
        client.run(close_hosts)
    assert (shared.status, alone.status) == ("succeeded", "succeeded"), shared.message
    assert shared.blocks >= 16 and alone.blocks == 1
    assert sorted(len(keys) for keys in held.values()) == [1, 1]  # each worker warmed a host
    assert np.abs(hub.output(shared) - hub.output(alone)).max() < 1e-5
    assert [p.name for p in hub.scratch.iterdir()] == []
