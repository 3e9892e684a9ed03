"""Seeded tiny networks and their serialisation to the bioimage.io weight formats.

Weights are drawn with numpy (stable across platforms) instead of torch's generator, and
torch archives are saved to an in-memory buffer, so their inner folder is always `archive/`
whatever the file is called. With the same torch version, every export is byte-for-byte
reproducible (the version itself is recorded in the files and in the descriptions).
"""

import importlib.resources
import io
import tempfile
import warnings
import zipfile
from pathlib import Path

import numpy as np
import torch
from numpy.typing import NDArray

from modelhub.demo.tiny_net import SmoothingFilter, TinyNet

ARCHITECTURE_FILE = "tiny_net.py"
ONNX_OPSET = 17
# kwargs passed to `TinyNet(...)`; written into the descriptions as `kwargs`
TINY_NET_KWARGS: dict[str, int] = {"in_channels": 1, "hidden": 4}


def architecture_source() -> bytes:
    """The source of `tiny_net.py`, shipped as the architecture of `pytorch_state_dict` weights."""
    return importlib.resources.files("modelhub.demo").joinpath(ARCHITECTURE_FILE).read_bytes()


def pytorch_version() -> str:
    """The running torch version without the local build tag (`2.13.0`, not `2.13.0+cpu`)."""
    return torch.__version__.split("+")[0]


def _binomial_kernel() -> NDArray[np.float64]:
    row = np.array([1.0, 2.0, 1.0])
    return np.outer(row, row) / 16.0


def make_tiny_net(seed: int) -> TinyNet:
    """A `TinyNet` with seeded weights that roughly light up bright blobs.

    The first hidden channel and the output start from a smoothing kernel, so on a
    normalised fluorescence image the output is high on nuclei; the rest is seeded noise.
    It is not trained: it only has to be deterministic and produce a plausible picture.
    """
    rng = np.random.default_rng(seed)
    hidden = TINY_NET_KWARGS["hidden"]
    conv1 = rng.normal(0.0, 0.1, size=(hidden, 1, 3, 3))
    conv1[0, 0] += 2.0 * _binomial_kernel()
    conv2 = rng.normal(0.0, 0.1, size=(1, hidden, 3, 3))
    conv2[0, 0] += 2.0 * _binomial_kernel()
    state = {
        "conv1_weight": conv1,
        "conv1_bias": rng.normal(0.0, 0.1, size=hidden),
        "conv2_weight": conv2,
        # a negative bias keeps the background low (about 0.1 after the sigmoid)
        "conv2_bias": np.array([-2.5]),
    }
    net = TinyNet(**TINY_NET_KWARGS)
    net.load_state_dict({k: torch.from_numpy(v.astype(np.float32)) for k, v in state.items()})
    return net.eval()


def make_smoothing_filter() -> SmoothingFilter:
    """The fixed smoothing filter (it has no weights to seed)."""
    return SmoothingFilter().eval()


def predict(net: torch.nn.Module, image: NDArray[np.float32]) -> NDArray[np.float32]:
    """Run `net` on a (batch, channel, y, x) float32 array."""
    with torch.no_grad():
        output = net(torch.from_numpy(np.ascontiguousarray(image)))
    return np.asarray(output.numpy(), dtype=np.float32)


def zero_mean_unit_variance(image: NDArray[np.float32]) -> NDArray[np.float32]:
    """What bioimage.io's `zero_mean_unit_variance` over (y, x) does, per sample and channel.

    Used to compute the expected test outputs without importing bioimageio.core (slow).
    Statistics in float64; the tools' float32 statistics agree within their 1e-3 tolerance.
    """
    values = image.astype(np.float64)
    mean = values.mean(axis=(-2, -1), keepdims=True)
    std = values.std(axis=(-2, -1), keepdims=True)
    normed: NDArray[np.float32] = ((values - mean) / (std + 1e-6)).astype(np.float32)
    return normed


def state_dict_bytes(net: torch.nn.Module) -> bytes:
    """`torch.save` of the state dict (the `pytorch_state_dict` weight format)."""
    buffer = io.BytesIO()
    torch.save(net.state_dict(), buffer)
    return buffer.getvalue()


def torchscript_bytes(net: torch.nn.Module) -> bytes:
    """The scripted net, saved without debug records.

    `*.debug_pkl` records only map TorchScript code back to Python source lines for error
    messages, but they embed the absolute path of `tiny_net.py` on the building machine: that
    would leak the host's layout into published packages and make bytes install-dependent.
    `torch.jit.load` treats the records as optional.
    """
    buffer = io.BytesIO()
    with warnings.catch_warnings():
        # torch 2.9+ deprecates TorchScript in favour of torch.export, but TorchScript is
        # still the bioimage.io `torchscript` weight format that consumers load.
        warnings.filterwarnings(
            "ignore",
            message=r"`torch\.jit\.(script|save)` is deprecated",
            category=DeprecationWarning,
        )
        torch.jit.save(torch.jit.script(net), buffer)
    return _without_debug_records(buffer.getvalue())


def _without_debug_records(archive: bytes) -> bytes:
    output = io.BytesIO()
    with (
        zipfile.ZipFile(io.BytesIO(archive)) as source,
        zipfile.ZipFile(output, "w", zipfile.ZIP_STORED) as target,
    ):
        for info in source.infolist():
            if info.filename.endswith(".debug_pkl"):
                continue
            # a fixed date keeps the bytes reproducible (torch writes 1980-01-01 too)
            entry = zipfile.ZipInfo(info.filename, date_time=(1980, 1, 1, 0, 0, 0))
            target.writestr(entry, source.read(info))
    return output.getvalue()


def onnx_bytes(
    net: torch.nn.Module, example: NDArray[np.float32], *, names: tuple[str, str]
) -> bytes:
    """Export `net` to ONNX with dynamic batch and spatial axes.

    Uses the TorchScript-based exporter (`dynamo=False`): the default dynamo exporter needs
    the `onnxscript` package, which is not a dependency of the hub.
    """
    input_name, output_name = names
    dynamic = {0: "batch", 2: "y", 3: "x"}
    # torch types `f` as a path only, so export to a scratch file rather than a buffer
    with tempfile.TemporaryDirectory() as scratch, warnings.catch_warnings():
        # torch 2.9+ flags the TorchScript-based exporter as legacy; it still works offline
        warnings.filterwarnings(
            "ignore",
            message="You are using the legacy TorchScript-based ONNX export",
            category=DeprecationWarning,
        )
        warnings.filterwarnings(
            "ignore", message="The feature will be removed", category=DeprecationWarning
        )
        torch.onnx.export(
            net,
            (torch.from_numpy(example),),
            Path(scratch) / "model.onnx",
            dynamo=False,
            opset_version=ONNX_OPSET,
            input_names=[input_name],
            output_names=[output_name],
            dynamic_axes={input_name: dynamic, output_name: dynamic},
        )
        return (Path(scratch) / "model.onnx").read_bytes()
