"""The model kinds: two format 0.5.4 models and one format 0.4.9 model.

Descriptions are written as plain dicts rather than through bioimageio.spec's classes:
those always serialise the newest format the library knows (0.5.12 here), while the
hub must also host, and be tested against, packages in older formats. Test outputs are
computed by running the very module that is exported, after the same preprocessing the
description declares.
"""

from typing import Any

import numpy as np
from numpy.typing import NDArray

from modelhub.demo import nets
from modelhub.demo.images import cover_image, encode_png, nuclei_image, to_uint8
from modelhub.demo.writer import (
    CITE_MODEL_ZOO,
    CITE_UNET,
    DEMO_TAGS,
    DEMO_TIMESTAMP,
    PackageWriter,
    common_metadata,
    demo_config,
    readme,
)

FORMAT_0_5 = "0.5.4"
FORMAT_0_4 = "0.4.9"
IMAGE_SIZE = 64
INPUT_ID = "raw"
OUTPUT_ID = "probability"

_VALIDATION = (
    "This example is not trained, so there is nothing to validate quantitatively. For a real"
    " model, report metrics (e.g. IoU or F1 for segmentation) on held-out images here."
)
_TINY_NET_TEXT = (
    "A two-layer convolutional net (3x3 convolutions, ReLU, sigmoid) with seeded, untrained"
    " weights. On a normalised fluorescence image it highlights bright, nucleus-like blobs."
)


def _test_image(seed: int) -> NDArray[np.float32]:
    return nuclei_image(seed, size=IMAGE_SIZE)[np.newaxis, np.newaxis]


def _write_visuals(
    writer: PackageWriter, name: str, summary: str, image: NDArray[Any], output: NDArray[Any]
) -> None:
    writer.add_bytes(
        "cover.png", encode_png(cover_image(to_uint8(image[0, 0]), to_uint8(output[0, 0])))
    )
    writer.add_text("README.md", readme(name, summary, {"Validation": _VALIDATION}))


def _sample_output(writer: PackageWriter, output: NDArray[np.float32]) -> dict[str, str]:
    # an 8-bit rendering: sample tensors illustrate, the .npy test tensors are what is tested
    return writer.add_bytes("sample_output.png", encode_png(to_uint8(output[0, 0])))


def _space_axes_in(size: int | dict[str, int]) -> list[dict[str, Any]]:
    return [{"type": "space", "id": axis, "size": size} for axis in ("y", "x")]


def _space_axes_out(halo: int) -> list[dict[str, Any]]:
    return [
        {
            "type": "space",
            "id": axis,
            "size": {"tensor_id": INPUT_ID, "axis_id": axis},
            "halo": halo,
        }
        for axis in ("y", "x")
    ]


def _zero_mean_unit_variance_0_5() -> dict[str, Any]:
    return {"id": "zero_mean_unit_variance", "kwargs": {"axes": ["y", "x"]}}


def _model_0_5(name: str, description: str) -> dict[str, Any]:
    return {
        "type": "model",
        "format_version": FORMAT_0_5,
        **common_metadata(name=name, description=description),
        "timestamp": DEMO_TIMESTAMP,
    }


def build_torchscript_0_5(
    writer: PackageWriter, *, kind: str, name: str, seed: int
) -> dict[str, Any]:
    """A fixed smoothing filter + sigmoid on a 64x64 image, as TorchScript weights only."""
    net = nets.make_smoothing_filter()
    image = _test_image(seed)
    output = nets.predict(net, nets.zero_mean_unit_variance(image))
    summary = (
        "A fixed 3x3 binomial smoothing filter followed by a sigmoid, applied to a normalised"
        f" {IMAGE_SIZE}x{IMAGE_SIZE} single-channel image. It has no trained weights."
    )
    _write_visuals(writer, name, summary, image, output)
    rdf = _model_0_5(name, "Example (demo content): " + summary)
    rdf["cite"] = [CITE_MODEL_ZOO]
    rdf["license"] = "MIT"
    rdf["tags"] = [*DEMO_TAGS, "smoothing", "denoising", "2d", "fluorescence-light-microscopy"]
    rdf["inputs"] = [
        {
            "id": INPUT_ID,
            "description": "fluorescence intensity, any range (normalised by preprocessing)",
            "axes": [
                {"type": "batch"},
                {"type": "channel", "channel_names": ["intensity"]},
                *_space_axes_in(IMAGE_SIZE),
            ],
            "test_tensor": writer.add_npy("test_input.npy", image),
            "sample_tensor": writer.add_bytes(
                "sample_input.png", encode_png(to_uint8(image[0, 0]))
            ),
            "data": {"type": "float32"},
            "preprocessing": [_zero_mean_unit_variance_0_5()],
        }
    ]
    rdf["outputs"] = [
        {
            "id": "smoothed",
            "description": "smoothed image squashed to (0, 1)",
            "axes": [
                {"type": "batch"},
                {"type": "channel", "channel_names": ["smoothed"]},
                *_space_axes_out(halo=1),
            ],
            "test_tensor": writer.add_npy("test_output.npy", output),
            "sample_tensor": _sample_output(writer, output),
            "data": {"type": "float32", "range": [0.0, 1.0]},
        }
    ]
    rdf["weights"] = {
        "torchscript": {
            **writer.add_bytes("weights.torchscript.pt", nets.torchscript_bytes(net)),
            "pytorch_version": nets.pytorch_version(),
        }
    }
    rdf["config"] = demo_config(kind, seed)  # free-form, so it goes last
    return rdf


def build_state_dict_0_5(
    writer: PackageWriter, *, kind: str, name: str, seed: int
) -> dict[str, Any]:
    """`TinyNet` on 8-bit images of any size >= 16 (step 8): state dict, TorchScript, ONNX."""
    net = nets.make_tiny_net(seed)
    image = to_uint8(_test_image(seed))
    model_input = nets.zero_mean_unit_variance(image.astype(np.float32))
    output = nets.predict(net, model_input)
    _write_visuals(writer, name, _TINY_NET_TEXT, image, output)
    rdf = _model_0_5(name, "Example (demo content): " + _TINY_NET_TEXT)
    rdf["cite"] = [CITE_UNET, CITE_MODEL_ZOO]
    rdf["license"] = "MIT"
    rdf["tags"] = [*DEMO_TAGS, "nuclei", "segmentation", "2d", "fluorescence-light-microscopy"]
    state_dict = writer.add_bytes("weights.pt", nets.state_dict_bytes(net))
    rdf["inputs"] = [
        {
            "id": INPUT_ID,
            "description": "8-bit fluorescence image",
            "axes": [
                {"type": "batch"},
                {"type": "channel", "channel_names": ["intensity"]},
                *_space_axes_in({"min": 16, "step": 8}),
            ],
            "test_tensor": writer.add_npy("test_input.npy", image),
            # the 8-bit PNG holds exactly the test input's pixels
            "sample_tensor": writer.add_bytes("sample_input.png", encode_png(image[0, 0])),
            "data": {"type": "uint8", "range": [0, 255]},
            # the closing ensure_dtype is needed: without it bioimageio.spec appends one that
            # casts back to the input's `data.type` (uint8), which would floor the normalised
            # values before they reach the net
            "preprocessing": [
                {"id": "ensure_dtype", "kwargs": {"dtype": "float32"}},
                _zero_mean_unit_variance_0_5(),
                {"id": "ensure_dtype", "kwargs": {"dtype": "float32"}},
            ],
        }
    ]
    rdf["outputs"] = [
        {
            "id": OUTPUT_ID,
            "description": "nucleus probability",
            "axes": [
                {"type": "batch"},
                {"type": "channel", "channel_names": ["nucleus"]},
                *_space_axes_out(halo=2),
            ],
            "test_tensor": writer.add_npy("test_output.npy", output),
            "sample_tensor": _sample_output(writer, output),
            "data": {"type": "float32", "range": [0.0, 1.0]},
        }
    ]
    converted = {
        "parent": "pytorch_state_dict",
        "comment": "converted by the modelhub demo builder",
    }
    rdf["weights"] = {
        "pytorch_state_dict": {
            **state_dict,
            "architecture": {
                **writer.add_bytes(nets.ARCHITECTURE_FILE, nets.architecture_source()),
                "callable": "TinyNet",
                "kwargs": dict(nets.TINY_NET_KWARGS),
            },
            "pytorch_version": nets.pytorch_version(),
        },
        "torchscript": {
            **writer.add_bytes("weights.torchscript.pt", nets.torchscript_bytes(net)),
            **converted,
            "pytorch_version": nets.pytorch_version(),
        },
        "onnx": {
            **writer.add_bytes(
                "weights.onnx", nets.onnx_bytes(net, model_input, names=(INPUT_ID, OUTPUT_ID))
            ),
            **converted,
            "opset_version": nets.ONNX_OPSET,
        },
    }
    rdf["config"] = demo_config(kind, seed)  # free-form, so it goes last
    return rdf


def build_model_0_4(writer: PackageWriter, *, kind: str, name: str, seed: int) -> dict[str, Any]:
    """`TinyNet` in format 0.4.9: state dict (architecture from a file) and TorchScript."""
    net = nets.make_tiny_net(seed)
    image = _test_image(seed)
    output = nets.predict(net, nets.zero_mean_unit_variance(image))
    _write_visuals(writer, name, _TINY_NET_TEXT, image, output)
    writer.add_bytes("sample_input.png", encode_png(to_uint8(image[0, 0])))
    writer.add_bytes("sample_output.png", encode_png(to_uint8(output[0, 0])))
    architecture = writer.add_bytes(nets.ARCHITECTURE_FILE, nets.architecture_source())
    return {
        "type": "model",
        "format_version": FORMAT_0_4,
        **common_metadata(name=name, description="Example (demo content): " + _TINY_NET_TEXT),
        "timestamp": DEMO_TIMESTAMP,
        "cite": [CITE_UNET, CITE_MODEL_ZOO],
        "license": "MIT",
        "tags": [*DEMO_TAGS, "nuclei", "segmentation", "2d", "format-0.4"],
        "inputs": [
            {
                "name": INPUT_ID,
                "description": "fluorescence intensity, any range (normalised by preprocessing)",
                "axes": "bcyx",
                "data_type": "float32",
                "shape": {"min": [1, 1, 16, 16], "step": [0, 0, 8, 8]},
                "preprocessing": [
                    {
                        "name": "zero_mean_unit_variance",
                        "kwargs": {"mode": "per_sample", "axes": "xy"},
                    }
                ],
            }
        ],
        "outputs": [
            {
                "name": OUTPUT_ID,
                "description": "nucleus probability",
                "axes": "bcyx",
                "data_type": "float32",
                "data_range": [0.0, 1.0],
                "shape": {
                    "reference_tensor": INPUT_ID,
                    "scale": [1, 1, 1, 1],
                    "offset": [0, 0, 0, 0],
                },
                "halo": [0, 0, 2, 2],
            }
        ],
        "test_inputs": [writer.add_npy("test_input.npy", image)["source"]],
        "test_outputs": [writer.add_npy("test_output.npy", output)["source"]],
        "sample_inputs": ["sample_input.png"],
        "sample_outputs": ["sample_output.png"],
        "weights": {
            "pytorch_state_dict": {
                **writer.add_bytes("weights.pt", nets.state_dict_bytes(net)),
                "architecture": f"{architecture['source']}:TinyNet",
                "architecture_sha256": architecture["sha256"],
                "kwargs": dict(nets.TINY_NET_KWARGS),
                "pytorch_version": nets.pytorch_version(),
            },
            "torchscript": {
                **writer.add_bytes("weights.torchscript.pt", nets.torchscript_bytes(net)),
                "parent": "pytorch_state_dict",
                "pytorch_version": nets.pytorch_version(),
            },
        },
        "config": demo_config(kind, seed),
    }
