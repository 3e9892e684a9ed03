"""Tiny example networks shipped inside the demo packages.

This file is copied verbatim into every demo package that has `pytorch_state_dict` weights
(as the architecture source `tiny_net.py`). bioimage.io tools import it from there in a
fresh interpreter, so it must stay self-contained: only `torch` may be imported.

The layers are written with `torch.nn.functional` and plain parameters instead of
`nn.Conv2d` submodules on purpose: TorchScript serialises the `__constants__` of `nn.Conv2d`
in set order, which follows Python's per-process string hashing, so scripting a net built
from `nn.Conv2d` gives different bytes in every process. Plain parameters keep the
TorchScript weights byte-for-byte reproducible.
"""

import torch
from torch import nn
from torch.nn import functional as F


class TinyNet(nn.Module):
    """Two 3x3 convolutions with a ReLU in between and a sigmoid on top.

    The receptive field is 5x5 pixels, so outputs within 2 pixels of a tile border need a
    halo of 2 when the image is processed in tiles.
    """

    def __init__(self, in_channels: int = 1, hidden: int = 4) -> None:
        super().__init__()
        self.conv1_weight = nn.Parameter(torch.zeros(hidden, in_channels, 3, 3))
        self.conv1_bias = nn.Parameter(torch.zeros(hidden))
        self.conv2_weight = nn.Parameter(torch.zeros(1, hidden, 3, 3))
        self.conv2_bias = nn.Parameter(torch.zeros(1))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """Map a (batch, channel, y, x) image to a 1-channel probability map of equal size."""
        hidden = torch.relu(F.conv2d(x, self.conv1_weight, self.conv1_bias, padding=1))
        return torch.sigmoid(F.conv2d(hidden, self.conv2_weight, self.conv2_bias, padding=1))


class SmoothingFilter(nn.Module):
    """A fixed 3x3 binomial smoothing filter followed by a sigmoid (no trainable weights)."""

    kernel: torch.Tensor  # a buffer: saved with the weights, but not trained

    def __init__(self) -> None:
        super().__init__()
        row = torch.tensor([1.0, 2.0, 1.0])
        kernel = torch.outer(row, row) / 16.0
        self.register_buffer("kernel", kernel.reshape(1, 1, 3, 3))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """Smooth a (batch, 1, y, x) image and squash it to (0, 1)."""
        return torch.sigmoid(F.conv2d(x, self.kernel, padding=1))
