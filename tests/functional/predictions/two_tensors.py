"""A real tiny bioimage.io 0.5 model with two inputs and two outputs, for the predictions tests.

Inputs `raw` and `mask` (b, c, y, x; one channel; any size >= 16 in steps of 8), outputs
`sum` = raw + mask and `product` = raw * mask, both following `raw` pixel for pixel (`sum`
with a halo of 1, `product` with none, so a tiled run has to cut halos of two kinds). The
weights are TorchScript written with torch, the test tensors computed by the very module that
is exported; the rest of the package (metadata, README, cover) comes from the demo writer.

torch is imported by this module, so tests import it only when they build the package.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import torch
from numpy.typing import NDArray
from torch import nn

from modelhub.demo import nets
from modelhub.demo.images import cover_image, encode_png, nuclei_image, to_uint8
from modelhub.demo.writer import (
    CITE_MODEL_ZOO,
    DEMO_TIMESTAMP,
    PackageWriter,
    common_metadata,
    readme,
)

NAME = "Two tensor sum and product"
SIZE = (32, 40)  # the test tensors' (y, x): valid sizes (16 + n * 8), not square


class SumAndProduct(nn.Module):
    """Two images in, their pixelwise sum and product out."""

    def forward(self, raw: torch.Tensor, mask: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """(batch, 1, y, x) twice, to (sum, product) of the same shape."""
        return raw + mask, raw * mask


def expected(raw: NDArray[Any], mask: NDArray[Any]) -> dict[str, NDArray[np.float32]]:
    """What the model gives, computed with numpy (inputs are cast to float32 first)."""
    a, b = raw.astype(np.float32), mask.astype(np.float32)
    return {"sum": a + b, "product": a * b}


def _axes(name: str, space: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [{"type": "batch"}, {"type": "channel", "channel_names": [name]}, *space]


def _space_in() -> list[dict[str, Any]]:
    return [{"type": "space", "id": a, "size": {"min": 16, "step": 8}} for a in ("y", "x")]


def _space_out(halo: int) -> list[dict[str, Any]]:
    """Following `raw` pixel for pixel along y and x (a halo of 0 is written as none)."""
    return [
        {"type": "space", "id": a, "size": {"tensor_id": "raw", "axis_id": a}}
        | ({"halo": halo} if halo else {})
        for a in ("y", "x")
    ]


def _tensor(
    writer: PackageWriter,
    name: str,
    description: str,
    array: NDArray[np.float32],
    space: list[dict[str, Any]],
) -> dict[str, Any]:
    return {
        "id": name,
        "description": description,
        "axes": _axes(name, space),
        "test_tensor": writer.add_npy(f"test_{name}.npy", array),
        "data": {"type": "float32"},
    }


def build(folder: Path) -> Path:
    """Write the package into ``folder`` (created; must be empty) and return it."""
    folder.mkdir(parents=True, exist_ok=False)
    writer = PackageWriter(folder)
    net = SumAndProduct().eval()
    raw = nuclei_image(7, size=SIZE[1])[: SIZE[0]][np.newaxis, np.newaxis]
    mask = (raw > raw.mean()).astype(np.float32) * 0.5 + 0.25
    with torch.no_grad():
        total, product = (t.numpy() for t in net(torch.from_numpy(raw), torch.from_numpy(mask)))
    summary = "The pixelwise sum and product of two single-channel images (a test model)."
    writer.add_text("README.md", readme(NAME, summary, {}))
    writer.add_bytes(
        "cover.png", encode_png(cover_image(to_uint8(raw[0, 0]), to_uint8(product[0, 0])))
    )
    rdf: dict[str, Any] = {
        "type": "model",
        "format_version": "0.5.4",
        **common_metadata(name=NAME, description=summary),
        "timestamp": DEMO_TIMESTAMP,
        "cite": [CITE_MODEL_ZOO],
        "license": "MIT",
        "tags": ["example", "test", "2d"],
        "inputs": [
            _tensor(writer, "raw", "an image", raw, _space_in()),
            _tensor(writer, "mask", "a second image of raw's size", mask, _space_in()),
        ],
        "outputs": [
            _tensor(writer, "sum", "raw + mask", total, _space_out(halo=1)),
            _tensor(writer, "product", "raw * mask", product, _space_out(halo=0)),
        ],
        "weights": {
            "torchscript": {
                **writer.add_bytes("weights.torchscript.pt", nets.torchscript_bytes(net)),
                "pytorch_version": nets.pytorch_version(),
            }
        },
    }
    writer.write_description(rdf)
    return folder
