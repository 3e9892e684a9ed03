"""The worker side of one prediction: a model run on people's images, in a warm sandboxed host.

    report = run_prediction(task)          # PredictReport; never raises for the model's faults
    pools.close_hosts()                    # at worker shutdown

The package's files come from the package storage into a host (`hosts.HostPool`, from `pools`:
one per worker process, reused while warm); the images from the results storage, read lazily; the
statistics the preprocessing needs are computed once over each whole image (`stats`); the
image is predicted whole or in tiles (`blockwise`), and each output is written, piece by
piece, as ``.npy`` (axes in the image's style) into the results storage. Within a Dask worker
a large image's tiles may be shared with the other workers (`distribute`).
"""

from __future__ import annotations

import contextlib
import logging
import math
import shutil
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from typing import Literal

import numpy as np

from modelhub.checks.cleanup import owned_prefix
from modelhub.checks.limits import GIB, SandboxLimits, format_seconds
from modelhub.checks.sandbox import SandboxUnavailable
from modelhub.checks.sandbox_protocol import DESCRIPTION_FILES
from modelhub.owned import make_owned_dir
from modelhub.predictions import blockwise, distribute, stats
from modelhub.predictions.axes import check_axes, model_sizes, read_model_block
from modelhub.predictions.distribute import Shared
from modelhub.predictions.host import HostError, ModelHost, Statistic
from modelhub.predictions.images import ImageProblem, ImageSource, open_image
from modelhub.predictions.outputs import Outputs, PredictionFailed, PredictOutput
from modelhub.predictions.pools import pool_for
from modelhub.predictions.spec import ModelIO, ModelIOError, read_model_io
from modelhub.storage.base import BlobMissing, Storage
from modelhub.storage.factory import StorageDescription, storage_from

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class PredictInput:
    name: str  # model input tensor id
    blob: str  # sha256 of the uploaded image in the *results* storage
    file_name: str  # the uploaded file's name (format detection)
    axes: str  # image axes letters, already checked by the hub


@dataclass(frozen=True)
class PredictTask:
    """One prediction, as handed to a worker: picklable, no database, no secrets."""

    prediction_id: str
    package_storage: StorageDescription
    package_files: tuple[tuple[str, str], ...]  # (path in package, blob sha256)
    host_key: str  # f"{resource_id}/{version}/{weight_format}/{package digest}"
    weight_format: str
    inputs: tuple[PredictInput, ...]
    results_storage: StorageDescription
    limits: SandboxLimits
    scratch_root: str
    hidden_paths: tuple[str, ...] = ()
    allow_unsandboxed: bool = False
    host_memory_bytes: int = 4 * GIB  # budget for all warm hosts of a worker process
    host_idle_s: float = 600.0
    max_block_pixels: int = 1024 * 1024  # above this a tensor is predicted blockwise
    use_gpu: bool = True  # use a GPU when the worker has one
    spare_host: bool = True  # keep a sandbox started ahead, so a cold model waits only for itself


@dataclass
class PredictReport:
    """How a prediction went (``message`` in plain words when it failed)."""

    status: Literal["succeeded", "failed"]
    error_code: str | None = None
    message: str | None = None
    outputs: list[PredictOutput] = field(default_factory=list)
    device: str | None = None
    warm: bool = False
    blocks: int = 1
    load_s: float = 0.0
    predict_s: float = 0.0
    duration_s: float = 0.0
    log: str = ""


def _safe_path(name: str) -> PurePosixPath:
    path = PurePosixPath(name)
    if path.is_absolute() or not path.parts or any(p in ("", ".", "..") for p in path.parts):
        raise PredictionFailed("model_failed", f"The package lists an unsafe file name {name!r}.")
    return path


def copy_package(storage: Storage, files: tuple[tuple[str, str], ...], target: Path) -> None:
    """The package's files from the storage into ``target`` (readable by the sandbox's user)."""
    for name, blob in files:
        dest = target / _safe_path(name)
        for parent in reversed(dest.relative_to(target).parents[:-1]):
            (target / parent).mkdir(mode=0o755, exist_ok=True)
            (target / parent).chmod(0o755)
        with storage.open(blob) as src, dest.open("wb") as out:
            shutil.copyfileobj(src, out, 1024 * 1024)
        dest.chmod(0o644)


_described: dict[str, tuple[ModelIO, stats.Requirements]] = {}


def _describe(task: PredictTask, work: Path) -> tuple[ModelIO, stats.Requirements]:
    """The model's tensors and statistics, from its description alone (cached per host key)."""
    if task.host_key in _described:
        return _described[task.host_key]
    storage = storage_from(task.package_storage)
    folder = work / "description"
    folder.mkdir()
    described = [(n, b) for n, b in task.package_files if n in DESCRIPTION_FILES]
    copy_package(storage, tuple(described), folder)
    try:
        found = read_model_io(folder), stats.requirements(folder)
    except ModelIOError as exc:
        raise PredictionFailed("model_invalid", str(exc)) from None
    except Exception as exc:  # bioimageio's own errors for descriptions it cannot digest
        raise PredictionFailed("model_invalid", f"The description cannot be used: {exc}") from None
    if len(_described) >= 256:  # a long-lived worker sees many models: keep the recent ones
        _described.pop(next(iter(_described)))
    _described[task.host_key] = found
    return found


@dataclass
class _Image:
    spec_id: str
    source: ImageSource
    axes: str
    sizes: dict[str, int]


def _open_inputs(task: PredictTask, io: ModelIO, work: Path) -> dict[str, _Image]:
    storage = storage_from(task.results_storage)
    images: dict[str, _Image] = {}
    for index, item in enumerate(task.inputs):
        spec = io.input(item.name)
        if spec is None:
            raise PredictionFailed("input_invalid", f"The model has no input {item.name!r}.")
        path = storage.local_path(item.blob)
        if path is None:  # a backend without local files: copy to scratch once
            path = work / f"input-{index}"
            with storage.open(item.blob) as src, path.open("wb") as out:
                shutil.copyfileobj(src, out, 1024 * 1024)
        source = open_image(path, file_name=item.file_name)
        check_axes(item.axes, source, spec)
        images[spec.id] = _Image(
            spec.id, source, item.axes, model_sizes(item.axes, source.shape, spec)
        )
    missing = [t.id for t in io.inputs if t.id not in images]
    if missing:
        raise PredictionFailed("input_invalid", f"No image was given for {', '.join(missing)}.")
    return images


def _reader(io: ModelIO, images: Mapping[str, _Image]) -> blockwise.ReadRegion:
    specs = {t.id: t for t in io.inputs}

    def read(name: str, region: Mapping[str, slice]) -> np.ndarray:
        image = images[name]
        return read_model_block(image.source, image.axes, specs[name], region)

    return read


def _statistics(
    io: ModelIO, needs: stats.Requirements, images: Mapping[str, _Image], blockwise_: bool
) -> list[Statistic]:
    if needs.on_outputs and blockwise_:
        raise PredictionFailed(
            "image_too_large",
            "The model's postprocessing needs statistics of its whole output, so a large "
            "image cannot be predicted in tiles; use a smaller image.",
        )
    read = _reader(io, images)
    specs = {t.id: t for t in io.inputs}

    def slabs(name: str) -> stats.ReadSlab:
        axis_ids = specs[name].axis_ids

        def slab(position: int, part: slice) -> np.ndarray:
            return read(name, {axis_ids[position]: part})

        return slab

    shapes = {n: tuple(i.sizes[a.id] for a in specs[n].axes) for n, i in images.items()}
    dtypes = {n: i.source.dtype for n, i in images.items()}
    return stats.compute(needs.inputs, shapes, dtypes, slabs)


def _output_bound(io: ModelIO, plan: blockwise.Plan) -> int:
    """The most bytes one window's outputs may take (8 bytes a value, twice over)."""
    total = 0
    for out in io.outputs:
        values = 1
        for axis, follow in zip(out.axes, plan.follows[out.id], strict=True):
            if follow is not None:
                values *= max(
                    1, math.ceil(plan.window[follow[0]][follow[1]] * follow[2]) + follow[3]
                )
            else:
                values *= axis.size or 1
        total += values
    return 16 * total + 1024 * 1024


def _remaining(deadline: float, what: str) -> float:
    left = deadline - time.monotonic()
    if left <= 0:
        raise HostError("model_timeout", f"The prediction ran out of time ({what}).")
    return left


def _predictor(
    host: ModelHost, statistics: list[Statistic], deadline: float, bound: int
) -> blockwise.Predict:
    def predict(inputs: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
        timeout = _remaining(deadline, "while predicting")
        return host.predict(inputs, statistics, timeout_s=timeout, max_output_bytes=bound)

    return predict


def run_prediction(
    task: PredictTask, progress: Callable[[float, str], None] | None = None
) -> PredictReport:
    """Run the task's model on its images; a report, failed (with a code) for the model's or
    the images' faults. Nothing of the model is left running afterwards but its warm host."""
    start = time.monotonic()
    report = PredictReport(status="failed")
    say = progress or (lambda fraction, message: None)
    work = make_owned_dir(Path(task.scratch_root), prefix=owned_prefix("pkg"))
    try:
        _run(task, report, say, work.path, start)
        report.status = "succeeded"
    except HostError as exc:
        report.error_code, report.message = exc.code, exc.message
        report.log = report.log or exc.log
        if exc.code == "model_timeout":
            limit = format_seconds(task.limits.timeout_s)
            report.message = f"The prediction did not finish within {limit}; the model was stopped."
    except (PredictionFailed, ImageProblem) as exc:
        report.error_code, report.message = exc.code, exc.message
    except blockwise.BlockwiseUnsupported as exc:
        report.error_code, report.message = "image_too_large", str(exc)
    except SandboxUnavailable as exc:
        report.error_code = "sandbox_unavailable"
        report.message = f"Predictions cannot run on this worker: {exc}"
    except BlobMissing as exc:
        report.error_code = "input_missing"
        report.message = f"A file of the prediction is missing from the storage ({exc})."
    finally:
        work.release()
        report.duration_s = time.monotonic() - start
    if report.status == "failed":
        report.outputs = []
    return report


@contextlib.contextmanager
def _host(task: PredictTask, deadline: float) -> Iterator[tuple[ModelHost, bool]]:
    package = storage_from(task.package_storage)
    with pool_for(task).host(
        task.host_key,
        weight_format=task.weight_format,
        fill=lambda target: copy_package(package, task.package_files, target),
        load_timeout_s=_remaining(deadline, "while loading the model"),
    ) as (host, warm):
        yield host, warm


def _pieces(
    io: ModelIO,
    plan: blockwise.Plan,
    images: Mapping[str, _Image],
    predict: blockwise.Predict,
    indices: Sequence[int],
) -> Iterator[list[blockwise.Piece]]:
    read = _reader(io, images)
    for index in indices:
        try:
            yield blockwise.window_pieces(io, plan, plan.windows[index], read, predict)
        except ValueError as exc:
            raise PredictionFailed(
                "output_invalid", f"The model's output is unusable: {exc}"
            ) from None


def predict_shared(
    task: PredictTask, plan: blockwise.Plan, statistics: list[Statistic], indices: list[int]
) -> Shared:
    """On another Dask worker: the pieces of some windows, with that worker's own host."""
    start = time.monotonic()
    deadline = start + task.limits.timeout_s
    work = make_owned_dir(Path(task.scratch_root), prefix=owned_prefix("pkg"))
    try:
        io, _ = _describe(task, work.path)
        images = _open_inputs(task, io, work.path)
        with _host(task, deadline) as (host, _):
            predict = _predictor(host, statistics, deadline, _output_bound(io, plan))
            pieces = [p for ps in _pieces(io, plan, images, predict, indices) for p in ps]
        return Shared(pieces, device=host.device)
    except (PredictionFailed, HostError, ImageProblem) as exc:
        return Shared(error_code=exc.code, message=exc.message)
    finally:
        work.release()


def _run(
    task: PredictTask,
    report: PredictReport,
    say: Callable[[float, str], None],
    work: Path,
    start: float,
) -> None:
    deadline = start + task.limits.timeout_s
    io, needs = _describe(task, work)
    images = _open_inputs(task, io, work)
    sizes = {name: image.sizes for name, image in images.items()}
    plan = blockwise.plan(io, sizes, max_block_pixels=task.max_block_pixels)
    count = report.blocks = len(plan.windows)
    say(0.0, "computing the image statistics")
    statistics = _statistics(io, needs, images, plan.blockwise)
    outputs = Outputs(io, plan, {n: i.axes for n, i in images.items()}, work)
    say(0.05, "loading the model")
    with _host(task, deadline) as (host, warm):
        report.device, report.warm = host.device, warm
        report.load_s = 0.0 if warm else host.load_s
        mark = host.log_mark() if warm else 0
        begun = time.monotonic()
        predict = _predictor(host, statistics, deadline, _output_bound(io, plan))
        done = 0
        try:
            for windows, pieces in distribute.share(
                count,
                lambda indices: _pieces(io, plan, images, predict, indices),
                lambda indices: (predict_shared, (task, plan, statistics, list(indices))),
            ):
                for piece in pieces:
                    outputs.write(piece)
                done += windows
                say(0.1 + 0.85 * done / count, f"{done} of {count} blocks")
        except distribute.SharedFailed as exc:
            raise PredictionFailed(exc.code, exc.message) from None
        finally:
            report.log = host.log_tail(mark)
        report.predict_s = time.monotonic() - begun
    report.outputs = outputs.store(storage_from(task.results_storage))
    say(1.0, "done")
