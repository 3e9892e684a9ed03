"""A look at an image or a result: one plane as a PNG, with contrast people can see.

`preview_png` picks one y-x plane (the middle of z, the first of t, c and the rest, unless
`pick` says otherwise), reads only that plane and only every n-th pixel when it is larger
than `max_side`, stretches the contrast between the 1st and 99.8th percentile of the plane
and encodes a greyscale PNG. An 8-bit image with 3 channels is shown in colour as it is.
`planes` tells a picker how many choices each other axis offers. `npy_array` decodes an
uploaded ``.npy`` without running anything it holds (no pickles), within size caps.

Shared by the predictions (results) and the catalog (a card's test tensors).
"""

from __future__ import annotations

import io
import math
from typing import Any, Protocol

import numpy as np

LOW_PERCENTILE = 1.0
HIGH_PERCENTILE = 99.8


class ImageSource(Protocol):
    """An opened image; reading a region never loads the whole image."""

    shape: tuple[int, ...]
    dtype: np.dtype[Any]

    def read(self, region: tuple[slice, ...]) -> np.ndarray: ...


class _ArraySource:
    """An in-memory array seen as an `ImageSource`."""

    def __init__(self, array: np.ndarray) -> None:
        self._array = array
        self.shape: tuple[int, ...] = tuple(array.shape)
        self.dtype: np.dtype[Any] = array.dtype

    def read(self, region: tuple[slice, ...]) -> np.ndarray:
        return np.asarray(self._array[region])


def planes(shape: tuple[int, ...], axes: str) -> dict[str, int]:
    """How many choices each axis other than y and x offers, e.g. `{"z": 20, "c": 2}`."""
    return {a: int(n) for a, n in zip(axes, shape, strict=True) if a not in "yx"}


def preview_png(
    source: ImageSource | np.ndarray,
    axes: str,
    *,
    pick: dict[str, int] | None = None,
    max_side: int = 1024,
) -> bytes:
    """PNG bytes of one plane of `source` (axes `axes`), at most `max_side` pixels a side.

    Raises `ValueError` when `axes` has no y and x, or `pick` names an axis or index the image
    does not have.
    """
    image: ImageSource = _ArraySource(source) if isinstance(source, np.ndarray) else source
    shape = image.shape
    if len(axes) != len(shape) or "y" not in axes or "x" not in axes:
        raise ValueError(f"a preview needs y and x axes; got {axes!r} for shape {shape}")
    choices = planes(shape, axes)
    pick = dict(pick or {})
    for letter, index in pick.items():
        if letter not in choices or not 0 <= index < choices[letter]:
            raise ValueError(f"{letter}={index} is not a plane of this image ({choices})")
    colour = "c" in choices and choices["c"] == 3 and "c" not in pick and image.dtype == np.uint8
    stride = max(1, math.ceil(max(shape[axes.index("y")], shape[axes.index("x")]) / max_side))
    region = []
    for letter, size in zip(axes, shape, strict=True):
        if letter in "yx":
            region.append(slice(0, size, stride))
        elif letter == "c" and colour:
            region.append(slice(None))
        else:
            index = pick.get(letter, size // 2 if letter == "z" else 0)
            region.append(slice(index, index + 1))
    block = image.read(tuple(region))
    kept = [a for a in axes if a in "yx" or (a == "c" and colour)]
    block = block.reshape([n for a, n in zip(axes, block.shape, strict=True) if a in kept])
    order = [kept.index(a) for a in ("y", "x", "c") if a in kept]
    plane = block.transpose(order)
    pixels = plane.astype(np.uint8) if colour else stretch(plane)
    return _encode(pixels)


def stretch(plane: np.ndarray) -> np.ndarray:
    """8-bit grey values, black at the 1st and white at the 99.8th percentile of `plane`
    (all black when the plane is constant; NaN black, infinities at the ends)."""
    values = plane.astype(np.float64, copy=False)
    finite = values[np.isfinite(values)]
    if finite.size == 0:
        return np.zeros(plane.shape, np.uint8)
    low, high = np.percentile(finite, (LOW_PERCENTILE, HIGH_PERCENTILE))
    if not high > low:
        high = low + 1.0
    with np.errstate(invalid="ignore"):
        scaled = (values - low) * (255.0 / (high - low))
    scaled = np.nan_to_num(scaled, nan=0.0, posinf=255.0, neginf=0.0)
    pixels: np.ndarray = np.clip(scaled, 0.0, 255.0).astype(np.uint8)
    return pixels


def _encode(pixels: np.ndarray) -> bytes:
    from PIL import Image

    buffer = io.BytesIO()
    Image.fromarray(np.ascontiguousarray(pixels)).save(buffer, format="PNG")
    return buffer.getvalue()


def npy_header(head: bytes) -> tuple[tuple[int, ...], np.dtype[Any]] | None:
    """The shape and data type a ``.npy`` file starting with ``head`` declares (its first few
    hundred bytes are enough), or None when it is no ``.npy`` or holds objects (pickles)."""
    stream = io.BytesIO(head)
    try:
        version = np.lib.format.read_magic(stream)
        if version == (1, 0):
            shape, _, dtype = np.lib.format.read_array_header_1_0(stream)
        elif version == (2, 0):
            shape, _, dtype = np.lib.format.read_array_header_2_0(stream)
        else:
            return None
    except (ValueError, EOFError, SyntaxError, TypeError):
        return None
    if dtype.hasobject or dtype.kind not in "biuf":
        return None
    return tuple(int(n) for n in shape), dtype


def npy_array(data: bytes) -> np.ndarray | None:
    """The numeric array of the ``.npy`` bytes ``data``; None for anything else (pickles
    included: they are never loaded)."""
    if npy_header(data[:4096]) is None:
        return None
    try:
        array = np.load(io.BytesIO(data), allow_pickle=False)
    except (ValueError, OSError, EOFError):
        return None
    return array if isinstance(array, np.ndarray) else None
