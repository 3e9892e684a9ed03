"""A prediction host as it runs inside the sandbox: one model, loaded once, many predictions.

Started like a check's process (same bootstrap, same sandbox, `LaunchConfig.module` names this
module), it

1. imports the heavy libraries (`checks.inside.preload`), says READY, waits for requests;
2. on ``load`` (the package folder, the weight format, whether to use a GPU): lowers its own
   rlimits first (the package's code, an architecture's import say, runs from here on and
   inherits them), then builds bioimageio.core's prediction pipeline (the description's pre-
   and postprocessing around the weights); answers with the device used;
3. on ``predict``: one tensor per model input (``.npy``, in the input's axis order) and,
   optionally, the statistics the preprocessing needs, computed by the worker over the whole
   image; answers with one tensor per model output (``.npy``, in the output's axis order).
   Nothing is padded or cropped here: the worker sends tensors of a valid size and crops;
4. on ``ping``: ``pong`` with the CPU time used (the host is retired before its CPU rlimit);
5. at end of file on the request pipe: exits.

Every answer is a `protocol` frame on the output pipe. What the package does wrong is an
answer with ``ok: false``; only our own failures end the process.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import resource
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from modelhub.checks.inside import apply_limits, preload
from modelhub.checks.sandbox_protocol import DESCRIPTION_FILES, EXIT_NO_LIBRARIES, READY, Job
from modelhub.predictions.protocol import ProtocolError, npy_array, npy_bytes, pack, unpack

MAX_REQUEST_BYTES = 16 * 1024**3
"""Request parts beyond this are refused (the memory limit bounds them long before)."""
TORCH_FORMATS = ("pytorch_state_dict", "torchscript")


@dataclass
class Loaded:
    """The model this host holds."""

    description: Any
    adapter: Any
    pipeline: Any
    input_dims: dict[str, list[str]]
    output_dims: dict[str, list[str]]


def _send(fd: int, data: bytes) -> None:
    while data:
        data = data[os.write(fd, data) :]


def _reader(fd: int) -> Any:
    def read(size: int) -> bytes:
        data = bytearray()
        while len(data) < size:
            chunk = os.read(fd, min(size - len(data), 1024 * 1024))
            if not chunk:
                break
            data += chunk
        return bytes(data)

    return read


def _device(weight_format: str, use_gpu: bool) -> str:
    if use_gpu and weight_format in TORCH_FORMATS:
        with contextlib.suppress(ImportError):
            import torch

            if torch.cuda.is_available():
                return "cuda:0"
    return "cpu"


def load(header: dict[str, Any]) -> tuple[Loaded, str]:
    """Limits first, then the description, the weights and the processing around them."""
    apply_limits(Job.model_validate(header["job"]))
    from bioimageio.core import create_prediction_pipeline
    from bioimageio.core.backends import create_model_adapter
    from bioimageio.core.digest_spec import get_axes_infos, get_member_id
    from bioimageio.spec import load_model_description

    package = Path(header["job"]["package_dir"])
    source = next((package / n for n in DESCRIPTION_FILES if (package / n).is_file()), None)
    if source is None:
        raise ValueError(f"the package has no {' or '.join(DESCRIPTION_FILES)}")
    weight_format = str(header["job"]["weight_format"])
    device = _device(weight_format, bool(header.get("use_gpu")))
    description = load_model_description(source)
    adapter = create_model_adapter(
        model_description=description,
        devices=[device],
        weight_format_priority_order=(weight_format,),  # type: ignore[arg-type]
    )
    pipeline = create_prediction_pipeline(description, model_adapter=adapter)
    dims = {
        str(get_member_id(t)): [str(a.id) for a in get_axes_infos(t)]
        for t in [*description.inputs, *description.outputs]
    }
    inputs = {str(get_member_id(t)): dims[str(get_member_id(t))] for t in description.inputs}
    outputs = {str(get_member_id(t)): dims[str(get_member_id(t))] for t in description.outputs}
    return Loaded(description, adapter, pipeline, inputs, outputs), device


def _statistics(header: dict[str, Any], parts: dict[str, bytes]) -> dict[Any, Any]:
    from bioimageio.core import Tensor
    from bioimageio.core.stat_measures import Measure
    from pydantic import TypeAdapter

    measure_type: TypeAdapter[Any] = TypeAdapter(Measure)
    stat: dict[Any, Any] = {}
    for index, item in enumerate(header.get("stats") or []):
        measure = measure_type.validate_python(item["measure"])
        stat[measure] = Tensor(npy_array(parts[f"stat:{index}"]), dims=item["dims"])
    return stat


def predict(model: Loaded, header: dict[str, Any], parts: dict[str, bytes]) -> dict[str, bytes]:
    """The model's outputs for one sample (no padding, no cropping: the worker did that)."""
    from bioimageio.core import Sample, Tensor, create_prediction_pipeline
    from bioimageio.core.common import MemberId

    members = {
        MemberId(name): Tensor(npy_array(parts[f"in:{name}"]), dims=dims)
        for name, dims in model.input_dims.items()
    }
    stat = _statistics(header, parts)
    pipeline = model.pipeline
    if stat:  # the whole image's statistics, used as they are (the adapter is reused)
        pipeline = create_prediction_pipeline(
            model.description, model_adapter=model.adapter, fixed_dataset_statistics=stat
        )
    sample = Sample(members=members, stat=dict(stat), id="upload")
    result = pipeline.predict_sample_without_blocking(
        sample, skip_input_padding=True, skip_output_cropping=True
    )
    outputs: dict[str, bytes] = {}
    for name, dims in model.output_dims.items():
        tensor = result.members.get(MemberId(name))
        if tensor is None:
            raise ValueError(f"the model produced no output {name!r}")
        data = tensor.data.transpose(*dims, missing_dims="ignore")
        outputs[f"out:{name}"] = npy_bytes(data.values)
    return outputs


def _cpu_seconds() -> float:
    own = resource.getrusage(resource.RUSAGE_SELF)
    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + children.ru_utime + children.ru_stime


def _answer(model: Loaded | None, header: dict[str, Any], parts: dict[str, bytes]) -> bytes:
    op = header.get("op")
    if op == "ping":
        cpu_limit = resource.getrlimit(resource.RLIMIT_CPU)[0]
        return pack({"ok": True, "op": "pong", "cpu_s": _cpu_seconds(), "cpu_limit": cpu_limit})
    if op == "predict" and model is not None:
        start = time.monotonic()
        outputs = predict(model, header, parts)
        return pack({"ok": True, "predict_s": time.monotonic() - start}, outputs)
    raise ValueError(f"unexpected request {op!r}")


def _failure(exc: BaseException) -> bytes:
    code = "out_of_memory" if isinstance(exc, MemoryError) else "model_failed"
    return pack({"ok": False, "code": code, "error": f"{type(exc).__name__}: {exc}"[:4000]})


def serve(job_fd: int, out_fd: int) -> None:
    """Answer requests until the worker closes the request pipe."""
    read = _reader(job_fd)
    model: Loaded | None = None
    while True:
        try:
            header, parts = unpack(read, MAX_REQUEST_BYTES)
        except ProtocolError:
            return  # end of file (the worker closed the host), or a broken pipe
        try:
            if header.get("op") == "load" and model is None:
                start = time.monotonic()
                model, device = load(header)
                answer = pack({"ok": True, "device": device, "load_s": time.monotonic() - start})
            else:
                answer = _answer(model, header, parts)
        except BaseException as exc:  # the package's code may raise anything, SystemExit too
            answer = _failure(exc)
        _send(out_fd, answer)


def main(argv: list[str] | None = None) -> int:
    """Entry point; the fds are the ends of the worker's pipes this process inherited."""
    parser = argparse.ArgumentParser(prog="modelhub.predictions.inside")
    parser.add_argument("--job-fd", type=int, required=True)
    parser.add_argument("--out-fd", type=int, required=True)
    args = parser.parse_args(argv)
    try:
        preload()
    except ImportError as exc:
        print(f"modelhub: cannot import the prediction libraries: {exc}", file=sys.stderr)
        return EXIT_NO_LIBRARIES
    _send(args.out_fd, READY)
    serve(args.job_fd, args.out_fd)
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(0)  # skip torch's slow teardown and any exit handler the package registered


if __name__ == "__main__":
    sys.exit(main())
