"""The statistics a model's preprocessing needs (a per-sample mean and standard deviation, or
percentiles), computed once over the whole image, outside the sandbox, in bounded memory.

bioimageio.core computes such statistics from the tensor it is given; given a tile, it would
normalise every tile differently and the tiles would not fit together. So the worker computes
them here over the whole image (streamed in slabs: mean, variance and standard deviation
exactly, by merging per-slab moments; percentiles exactly up to `QUANTILE_VALUES` values, from
an evenly strided sample beyond) and hands them to the host with every tile
(`host.Statistic`), which uses them as they are. Which measures a model needs is read from
its description with bioimageio.core (parsing only, no package code runs).
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import yaml

from modelhub.checks.sandbox_protocol import DESCRIPTION_FILES
from modelhub.predictions.host import Statistic

QUANTILE_VALUES = 8 * 1024 * 1024
"""Percentiles are exact up to this many values per tensor, from a strided sample beyond."""
SLAB_VALUES = 4 * 1024 * 1024
"""How many values of the image are read at a time."""

ReadSlab = Callable[[int, slice], np.ndarray]
"""Read an input's slab: positions ``slice`` along model axis number ``int``, all else whole,
in the model's axis order."""


@dataclass(frozen=True)
class Needed:
    """One measure of one input tensor: the axes it reduces (positions in the input's axis
    order) and the library's ids of the axes it keeps."""

    measure: dict[str, Any]
    tensor: str
    reduce: tuple[int, ...]
    kept_dims: tuple[str, ...]


@dataclass(frozen=True)
class Requirements:
    """What a model's processing needs: input measures we compute, and whether any measure
    depends on the model's outputs (then tiles cannot share statistics computed before)."""

    inputs: tuple[Needed, ...]
    on_outputs: bool


def requirements(package_dir: Path) -> Requirements:
    """The measures the model in ``package_dir`` needs (parses the description only)."""
    from bioimageio.core.digest_spec import get_axes_infos, get_member_id
    from bioimageio.core.proc_setup import get_requried_measures
    from bioimageio.spec import InvalidDescr, ValidationContext, build_description
    from bioimageio.spec.model import v0_4, v0_5

    source = next(package_dir / n for n in DESCRIPTION_FILES if (package_dir / n).is_file())
    context = ValidationContext(
        root=package_dir, file_name=source.name, perform_io_checks=False, log_warnings=False
    )
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        descr = build_description(yaml.safe_load(source.read_text("utf-8")), context=context)
    if isinstance(descr, InvalidDescr) or not isinstance(descr, v0_4.ModelDescr | v0_5.ModelDescr):
        raise ValueError("the description is not a valid model description")
    dims = {str(get_member_id(t)): [str(a.id) for a in get_axes_infos(t)] for t in descr.inputs}
    required = get_requried_measures(descr)
    needed: list[Needed] = []
    on_outputs = False
    for measure in sorted({*required.pre, *required.post}, key=lambda m: m.model_dump_json()):
        tensor = str(measure.member_id)
        if tensor not in dims:
            on_outputs = True
            continue
        axes = dims[tensor]
        reduced = axes if measure.axes is None else [str(a) for a in measure.axes]
        reduce = tuple(i for i, a in enumerate(axes) if a in reduced)
        kept = tuple(a for a in axes if a not in reduced)
        needed.append(Needed(measure.model_dump(mode="json"), tensor, reduce, kept))
    return Requirements(tuple(needed), on_outputs)


class _Moments:
    """Count, mean and sum of squared deviations per kept position, merged slab by slab."""

    def __init__(self, shape: tuple[int, ...]) -> None:
        self.n = np.zeros(shape)
        self.mean = np.zeros(shape)
        self.m2 = np.zeros(shape)

    def add(self, where: tuple[slice, ...], slab: np.ndarray, reduce: tuple[int, ...]) -> None:
        count = math.prod(slab.shape[i] for i in reduce)
        mean = slab.mean(axis=reduce, keepdims=True)
        m2 = ((slab - mean) ** 2).sum(axis=reduce, keepdims=True)
        n_a, mean_a, m2_a = self.n[where], self.mean[where], self.m2[where]
        total = n_a + count
        delta = mean - mean_a
        self.mean[where] = mean_a + delta * count / total
        self.m2[where] = m2_a + m2 + delta**2 * n_a * count / total
        self.n[where] = total


def _strides(shape: tuple[int, ...], reduce: tuple[int, ...]) -> tuple[int, ...]:
    """Sampling steps per axis keeping at most `QUANTILE_VALUES` values (reduced axes only)."""
    total = math.prod(shape)
    big = [i for i in reduce if shape[i] > 1]
    if total <= QUANTILE_VALUES or not big:
        return (1,) * len(shape)
    step = math.ceil((total / QUANTILE_VALUES) ** (1 / len(big)))
    return tuple(step if i in big else 1 for i in range(len(shape)))


def compute(
    needed: Iterable[Needed],
    shapes: Mapping[str, tuple[int, ...]],
    dtypes: Mapping[str, np.dtype[Any]],
    read: Callable[[str], ReadSlab],
) -> list[Statistic]:
    """The values of ``needed`` over whole input tensors of ``shapes`` (model axis order),
    read slab by slab with ``read(tensor)``."""
    by_tensor: dict[str, list[Needed]] = {}
    for item in needed:
        by_tensor.setdefault(item.tensor, []).append(item)
    found: list[Statistic] = []
    for tensor, items in by_tensor.items():
        found += _tensor_statistics(items, shapes[tensor], dtypes[tensor], read(tensor))
    return found


def _tensor_statistics(
    items: list[Needed], shape: tuple[int, ...], dtype: np.dtype[Any], read: ReadSlab
) -> list[Statistic]:
    axis = max(range(len(shape)), key=lambda i: shape[i])
    per_row = max(1, math.prod(shape) // shape[axis])
    rows = max(1, SLAB_VALUES // per_row)
    moments: dict[tuple[int, ...], _Moments] = {}
    samples: dict[tuple[int, ...], list[np.ndarray]] = {}
    for item in items:
        kept = tuple(1 if i in item.reduce else n for i, n in enumerate(shape))
        if item.measure["name"] == "quantile":
            samples.setdefault(item.reduce, [])
        else:
            moments.setdefault(item.reduce, _Moments(kept))
    for start in range(0, shape[axis], rows):
        stop = min(start + rows, shape[axis])
        slab = read(axis, slice(start, stop)).astype(np.float64, copy=False)
        for reduce, acc in moments.items():
            where = [slice(None)] * len(shape)
            if axis not in reduce:
                where[axis] = slice(start, stop)
            acc.add(tuple(where), slab, reduce)
        for reduce, parts in samples.items():
            steps = _strides(shape, reduce)
            first = (-start) % steps[axis]  # keep the sampling grid of the whole tensor
            index = tuple(
                slice(first, None, s) if i == axis else slice(None, None, s)
                for i, s in enumerate(steps)
            )
            parts.append(slab[index].copy())
    # a float32 image gives float32 statistics (as the library computes them), others float64
    out_type = np.float32 if dtype in (np.float32, np.float16) else np.float64
    found = []
    for item in items:
        value = _value(item, moments, samples, axis)
        squeezed = np.asarray(value).squeeze(axis=item.reduce).astype(out_type)
        found.append(Statistic(item.measure, squeezed, item.kept_dims))
    return found


def _value(
    item: Needed,
    moments: dict[tuple[int, ...], _Moments],
    samples: dict[tuple[int, ...], list[np.ndarray]],
    axis: int,
) -> np.ndarray:
    name = item.measure["name"]
    if name == "quantile":
        data = np.concatenate(samples[item.reduce], axis=axis)
        method = item.measure.get("method", "linear")
        q = float(item.measure["q"])
        return np.asarray(np.quantile(data, q, axis=item.reduce, keepdims=True, method=method))
    acc = moments[item.reduce]
    if name == "mean":
        return acc.mean
    variance = acc.m2 / acc.n
    return variance if name == "var" else np.sqrt(variance)
