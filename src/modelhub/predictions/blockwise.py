"""Whole-image and blockwise prediction plans: which windows of the image the model sees, and
which part of each window's output lands where.

An image rarely has a size the model takes. Both ways of predicting see the same *virtual
image*: the image extended at its far end (by mirroring, ``symmetric``) to the smallest size the
model's rules allow along each axis (``min + n * step``, or the fixed size). Then

- *whole*: one window, the virtual image; the output is cropped back to the image;
- *blockwise* (a virtual image above ``max_block_pixels``, or larger than a fixed-size model
  takes): windows of a valid tile size, overlapping by twice the outputs' halo, the last one
  shifted back to end at the virtual image's end; each window's output is cut to its inner part
  (no halo is cut at the image's own borders, where the model sees what the whole image shows
  it) and the parts join without seams or overlap.

Given the same statistics for the preprocessing (`stats`), a model whose halo covers its
receptive field gives the same values either way. Blockwise needs outputs that follow their
input pixel for pixel (size references of scale 1, offset 0); other models are predicted
whole or refused with `BlockwiseUnsupported`. Windows are read lazily (`ReadRegion`), so
memory stays bounded by a window and its outputs.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass

import numpy as np

from modelhub.predictions.spec import AxisSpec, ModelIO, TensorSpec

ReadRegion = Callable[[str, Mapping[str, slice]], np.ndarray]
"""Read an input's region (slices by model axis id, inside the image) in model axis order."""
Predict = Callable[[dict[str, np.ndarray]], dict[str, np.ndarray]]
"""The model on one window: input name -> tensor, to output name -> tensor."""
TILED_KINDS = ("space",)


class BlockwiseUnsupported(Exception):
    """The image needs tiling, and this model cannot be tiled (the message says why)."""


@dataclass(frozen=True)
class Window:
    """One window: its start along each tiled axis (in the virtual image), and the image range
    its output fills along each tiled axis."""

    start: tuple[tuple[str, int], ...]
    write: tuple[tuple[str, int, int], ...]


@dataclass(frozen=True)
class Plan:
    """How one image is predicted."""

    sizes: Mapping[str, Mapping[str, int]]
    """Per input: the image's size along each model axis."""
    window: Mapping[str, Mapping[str, int]]
    """Per input: the window's size along each model axis (the virtual size where not tiled)."""
    tiled: tuple[str, ...]
    windows: tuple[Window, ...]
    follows: Mapping[str, tuple[tuple[str, str, float, int] | None, ...]]
    """Per output, per axis: (input, input axis, scale, offset) it follows, or None (whole)."""

    @property
    def blockwise(self) -> bool:
        return len(self.windows) > 1 or bool(self.tiled)


def valid_size(axis: AxisSpec, n: int) -> int | None:
    """The smallest size >= ``n`` the axis takes (None: none, a fixed size below ``n``)."""
    if axis.size is not None:
        return axis.size if n <= axis.size else None
    if axis.min is not None:
        if n <= axis.min or not axis.step:
            return axis.min if n <= axis.min else None
        return axis.min + math.ceil((n - axis.min) / axis.step) * axis.step
    return n


def _fixed(axis: AxisSpec) -> int | None:
    """The one size an axis takes (a fixed size, or a minimum without a step), else None."""
    if axis.size is not None:
        return axis.size
    return axis.min if axis.min is not None and not axis.step else None


def _tile_size(axis: AxisSpec, virtual: int, limit: int, halo: int) -> int:
    """The window size along a tiled axis: the whole virtual extent when it fits ``limit``,
    else the largest valid size up to ``limit`` leaving room beside the halo on both sides
    (above ``limit`` when nothing below does)."""
    fixed = _fixed(axis)
    if fixed is not None:
        size = fixed
    elif virtual <= limit:
        size = virtual
    elif axis.min is None or not axis.step:
        size = min(virtual, max(limit, 2 * halo + 1))
    else:
        step = axis.step
        size = axis.min + max(0, (limit - axis.min) // step) * step
        if size <= 2 * halo:
            size = axis.min + max(0, math.ceil((2 * halo + 1 - axis.min) / step)) * step
        size = min(size, virtual)
    if size < virtual and size <= 2 * halo:
        raise BlockwiseUnsupported(
            f"No tile size along {axis.id} leaves room inside the model's halo of {halo} pixels."
        )
    return size


def _follows(io: ModelIO) -> dict[str, tuple[tuple[str, str, float, int] | None, ...]]:
    inputs = {t.id: t for t in io.inputs}
    found = {}
    for out in io.outputs:
        axes: list[tuple[str, str, float, int] | None] = []
        for axis in out.axes:
            ref = axis.ref
            if ref is not None and ref[0] in inputs and inputs[ref[0]].axis(ref[1]) is not None:
                axes.append((ref[0], ref[1], axis.scale, axis.offset))
            else:
                axes.append(None)
        found[out.id] = tuple(axes)
    return found


def _virtual(spec: TensorSpec, sizes: Mapping[str, int]) -> dict[str, int] | None:
    padded = {}
    for axis in spec.axes:
        size = valid_size(axis, sizes[axis.id])
        if size is None:
            return None
        padded[axis.id] = size
    return padded


def plan(
    io: ModelIO,
    sizes: Mapping[str, Mapping[str, int]],
    *,
    max_block_pixels: int,
    tile: Mapping[str, int] | None = None,
) -> Plan:
    """Whole when the virtual image fits ``max_block_pixels`` (and the model's sizes), blockwise
    otherwise. ``tile``: wanted tile sizes by axis id (rounded to valid sizes), for tests and
    callers that know better; by default tiles hold about ``max_block_pixels`` pixels."""
    follows = _follows(io)
    whole = {t.id: _virtual(t, sizes[t.id]) for t in io.inputs}
    if tile is None and all(v is not None for v in whole.values()):
        driver = io.inputs[0]
        padded = whole[driver.id] or {}
        pixels = math.prod(padded[a.id] for a in driver.axes if a.kind in TILED_KINDS)
        if pixels <= max_block_pixels:
            window = {k: dict(v or {}) for k, v in whole.items()}
            return Plan(sizes, window, (), (Window((), ()),), follows)
    return _tiles(io, sizes, follows, max_block_pixels, tile or {})


def _axis_windows(n: int, virtual: int, size: int, halo: int) -> list[tuple[int, int, int]]:
    """(start, write start, write end) of each window along one axis."""
    stride = size - 2 * halo
    starts = list(range(0, max(virtual - size, 0) + 1, stride))
    if starts[-1] + size < virtual:
        starts.append(virtual - size)
    found: list[tuple[int, int, int]] = []
    end = 0
    for index, start in enumerate(starts):
        last = index == len(starts) - 1
        write_end = min(n, virtual if last else start + size - halo)
        if write_end > end:
            found.append((start, end, write_end))
            end = write_end
    return found


def _tiles(
    io: ModelIO,
    sizes: Mapping[str, Mapping[str, int]],
    follows: Mapping[str, tuple[tuple[str, str, float, int] | None, ...]],
    max_block_pixels: int,
    wanted: Mapping[str, int],
) -> Plan:
    driver = io.inputs[0]
    tiled = tuple(a.id for a in driver.axes if a.kind in TILED_KINDS)
    if not tiled:
        raise BlockwiseUnsupported("The model has no spatial axis to cut the image along.")
    for out in io.outputs:
        for axis, follow in zip(out.axes, follows[out.id], strict=True):
            if axis.kind in TILED_KINDS and (
                follow is None or follow[1] not in tiled or follow[2:] != (1.0, 0)
            ):
                raise BlockwiseUnsupported(
                    f"The model's output {out.id!r} does not follow its input pixel for pixel "
                    f"along {axis.id}, so the image cannot be predicted in tiles; "
                    "use an image the model takes whole."
                )
    halos = {
        a: max([ax.halo for o in io.outputs for ax, f in zip(o.axes, follows[o.id], strict=True)
                if f is not None and f[1] == a] or [0])
        for a in tiled
    }  # fmt: skip
    side = max(1, int(max_block_pixels ** (1 / len(tiled))))
    window: dict[str, dict[str, int]] = {}
    per_axis: dict[str, list[tuple[int, int, int]]] = {}
    for axis in driver.axes:
        n = sizes[driver.id][axis.id]
        if axis.id not in tiled:
            size = valid_size(axis, n)
            if size is None:
                raise BlockwiseUnsupported(f"The model takes {axis.size} along {axis.id}.")
            window.setdefault(driver.id, {})[axis.id] = size
            continue
        fixed = _fixed(axis)
        virtual = max(n, fixed) if fixed is not None else valid_size(axis, n) or n
        size = _tile_size(axis, virtual, wanted.get(axis.id, side), halos[axis.id])
        window.setdefault(driver.id, {})[axis.id] = size
        per_axis[axis.id] = _axis_windows(n, virtual, size, halos[axis.id])
    for other in io.inputs[1:]:
        window[other.id] = _other_window(other, sizes, driver.id, window[driver.id], tiled)
    windows = []
    for combo in _product([per_axis[a] for a in tiled]):
        start = tuple((a, c[0]) for a, c in zip(tiled, combo, strict=True))
        write = tuple((a, c[1], c[2]) for a, c in zip(tiled, combo, strict=True))
        windows.append(Window(start, write))
    return Plan(sizes, window, tiled, tuple(windows), follows)


def _product(lists: list[list[tuple[int, int, int]]]) -> list[tuple[tuple[int, int, int], ...]]:
    combos: list[tuple[tuple[int, int, int], ...]] = [()]
    for options in lists:
        combos = [(*c, o) for c in combos for o in options]
    return combos


def _other_window(
    spec: TensorSpec,
    sizes: Mapping[str, Mapping[str, int]],
    driver: str,
    driver_window: Mapping[str, int],
    tiled: tuple[str, ...],
) -> dict[str, int]:
    """A further input's window: tiled like the first input, which it must match in size."""
    found = {}
    for axis in spec.axes:
        n = sizes[spec.id][axis.id]
        if axis.id in tiled:
            size = driver_window[axis.id]
            fits = axis.ref is not None or valid_size(axis, size) == size
            if n != sizes[driver][axis.id] or not fits:
                raise BlockwiseUnsupported(
                    f"The model's inputs differ in size along {axis.id}, so the images cannot "
                    "be cut into matching tiles."
                )
        else:
            valid = valid_size(axis, n)
            if valid is None:
                raise BlockwiseUnsupported(f"The model takes {axis.size} along {axis.id}.")
            size = valid
        found[axis.id] = size
    return found


def mirror(start: int, size: int, n: int) -> np.ndarray:
    """Image indices of virtual positions ``start .. start+size``: the image, then mirrored
    (symmetric: the last pixel repeated first), as often as needed."""
    positions = np.arange(start, start + size) % (2 * n)
    return np.where(positions < n, positions, 2 * n - 1 - positions)


def read_window(spec: TensorSpec, plan_: Plan, window: Window, read: ReadRegion) -> np.ndarray:
    """One input's tensor for ``window``: the image's pixels, mirrored beyond its end."""
    starts = dict(window.start)
    sizes = plan_.sizes[spec.id]
    picks: list[np.ndarray] = []
    region: dict[str, slice] = {}
    for axis in spec.axes:
        index = mirror(starts.get(axis.id, 0), plan_.window[spec.id][axis.id], sizes[axis.id])
        low, high = int(index.min()), int(index.max()) + 1
        region[axis.id] = slice(low, high)
        picks.append(index - low)
    block = read(spec.id, region)
    for position, pick in enumerate(picks):
        if len(pick) != block.shape[position] or np.any(pick != np.arange(len(pick))):
            block = np.take(block, pick, axis=position)
    return block


@dataclass(frozen=True)
class Piece:
    """A part of one output: where it goes (start per output axis) and its values."""

    output: str
    start: tuple[int, ...]
    block: np.ndarray


def window_pieces(
    io: ModelIO, plan_: Plan, window: Window, read: ReadRegion, predict: Predict
) -> list[Piece]:
    """Predict one window and cut each output to the part the window is responsible for."""
    inputs = {spec.id: read_window(spec, plan_, window, read) for spec in io.inputs}
    outputs = predict(inputs)
    starts = dict(window.start)
    writes = {a: (lo, hi) for a, lo, hi in window.write}
    pieces = []
    for out in io.outputs:
        block = outputs.get(out.id)
        if block is None or block.ndim != len(out.axes):
            raise ValueError(f"the model's output {out.id!r} is missing or has the wrong shape")
        cut: list[slice] = []
        start: list[int] = []
        for follow in plan_.follows[out.id]:
            if follow is None:
                cut.append(slice(None))
                start.append(0)
                continue
            tensor, axis, scale, offset = follow
            if axis in writes:
                low, high = writes[axis]
                origin = starts[axis]
                cut.append(slice(low - origin, high - origin))
                start.append(low)
            else:  # whole along this axis: crop the padding back (scaled outputs too)
                length = round(plan_.sizes[tensor][axis] * scale) + offset
                cut.append(slice(0, max(length, 0)))
                start.append(0)
        pieces.append(Piece(out.id, tuple(start), block[tuple(cut)]))
    return pieces


def output_shape(plan_: Plan, output: str, first: np.ndarray) -> tuple[int, ...]:
    """The whole output's shape, from the plan and the first piece of it."""
    shape = []
    for position, follow in enumerate(plan_.follows[output]):
        if follow is not None and follow[1] in plan_.tiled:
            shape.append(plan_.sizes[follow[0]][follow[1]])
        else:
            shape.append(first.shape[position])
    return tuple(shape)
