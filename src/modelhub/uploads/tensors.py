"""Test tensors: safe to load and shaped as the model description declares.

bioimageio.spec only looks inside test tensors when it may do file IO, which the hub switches
off (see validation.py). The hub therefore checks them itself, reading only the ``.npy`` header
through a read-only memory map and never unpickling anything.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
from bioimageio.spec.model import v0_4, v0_5

from modelhub.errors import ErrorDetail

NPY_MAGIC = b"\x93NUMPY"


class TensorProblem(Exception):
    """A test tensor file that cannot be used; the message speaks to the uploader."""


@dataclass(frozen=True)
class _Tensor:
    role: str  # "input" or "output"
    name: str
    loc: tuple[str | int, ...]
    axes: Sequence[Any]  # 0.4: axis letters; 0.5: axis descriptions
    declared: Any  # 0.4 shape; 0.5 unused (sizes live on the axes)
    path: str | None


def read_npy_shape(path: Path) -> tuple[int, ...]:
    """Shape of a ``.npy`` file, refusing anything that is not a plain numeric array."""
    if path.suffix.lower() != ".npy":
        raise TensorProblem("must be a NumPy '.npy' file (saved with numpy.save)")
    with path.open("rb") as f:
        if f.read(len(NPY_MAGIC)) != NPY_MAGIC:
            raise TensorProblem("is not a NumPy '.npy' file; please save it with numpy.save")
    try:
        array = np.load(path, allow_pickle=False, mmap_mode="r")
    except ValueError as exc:
        # numpy words this differently depending on where it notices the objects
        if any(w in str(exc) for w in ("pickle", "Object arrays", "Python objects")):
            raise TensorProblem(
                "holds Python objects (pickled data), which the hub never loads because that "
                "could run code. Please save a plain numeric array with numpy.save."
            ) from None
        raise TensorProblem(f"could not be read as a NumPy array ({exc})") from None
    except (OSError, EOFError) as exc:
        raise TensorProblem(f"could not be read as a NumPy array ({exc})") from None
    shape = tuple(int(n) for n in array.shape)
    del array  # releases the memory map
    return shape


def check_test_tensors(descr: Any, root: Path) -> list[ErrorDetail]:
    """Check that each test tensor loads safely and fits its declared axes and sizes."""
    details: list[ErrorDetail] = []
    if isinstance(descr, v0_4.ModelDescr):
        tensors = _tensors_v0_4(descr)
        for key, specs, files in (
            ("test_inputs", descr.inputs, descr.test_inputs),
            ("test_outputs", descr.outputs, descr.test_outputs),
        ):
            if len(specs) != len(files):
                kind = key.removeprefix("test_")
                details.append(
                    ErrorDetail(
                        (key,),
                        f"{key}: the description declares {len(specs)} {kind} but names "
                        f"{len(files)} {key.replace('_', ' ')}; give exactly one per tensor.",
                    )
                )
    elif isinstance(descr, v0_5.ModelDescr):
        tensors = _tensors_v0_5(descr)
    else:
        return []
    shapes: dict[str, tuple[int, ...]] = {}
    for t in tensors:
        if t.path is None:
            continue
        try:
            shapes[t.name] = read_npy_shape(root / t.path)
        except TensorProblem as exc:
            details.append(ErrorDetail(t.loc, f"The test {t.role} '{t.path}' {exc}"))
    for t in tensors:
        if t.name not in shapes:
            continue
        problem = _shape_problem(t, shapes, tensors, descr)
        if problem:
            details.append(ErrorDetail(t.loc, problem))
    return details


def _tensors_v0_4(descr: Any) -> list[_Tensor]:
    result = []
    for role, specs, files, key in (
        ("input", descr.inputs, descr.test_inputs, "test_inputs"),
        ("output", descr.outputs, descr.test_outputs, "test_outputs"),
    ):
        for i, spec in enumerate(specs):
            path = str(files[i]) if i < len(files) else None
            result.append(
                _Tensor(role, str(spec.name), (key, i), list(spec.axes), spec.shape, path)
            )
    return result


def _tensors_v0_5(descr: Any) -> list[_Tensor]:
    result = []
    for role, specs, key in (
        ("input", descr.inputs, "inputs"),
        ("output", descr.outputs, "outputs"),
    ):
        for i, spec in enumerate(specs):
            tt = spec.test_tensor
            path = str(tt.source) if tt is not None else None
            loc = (key, i, "test_tensor")
            result.append(_Tensor(role, str(spec.id), loc, list(spec.axes), None, path))
    return result


def _shape_problem(
    t: _Tensor, shapes: dict[str, tuple[int, ...]], tensors: list[_Tensor], descr: Any
) -> str | None:
    shape = shapes[t.name]
    ids = [a if isinstance(a, str) else str(a.id) for a in t.axes]
    start = f"The test {t.role} '{t.name}' has shape {shape}"
    if len(shape) != len(ids):
        return (
            f"{start}, that is {len(shape)} dimensions, but the description declares "
            f"{len(ids)} axes ({','.join(ids)})."
        )
    for dim, (axis_id, actual) in enumerate(zip(ids, shape, strict=True)):
        if isinstance(descr, v0_4.ModelDescr):
            expected = _expected_v0_4(t, dim, shapes)
        else:
            expected = _expected_v0_5(t.axes[dim], shapes, tensors)
        if expected is None:
            continue
        ok, wording = expected
        if not ok(actual):
            return (
                f"{start} but the description declares axes {','.join(ids)} "
                f"with {axis_id} of size {wording}."
            )
    return None


_Expectation = tuple[Callable[[int], bool], str]  # (test of the actual size, how to say it)


def _fixed(n: int | float) -> _Expectation:
    return (lambda actual: abs(actual - n) < 1e-6), f"{n:g}"


def _expected_v0_4(t: _Tensor, dim: int, shapes: dict[str, tuple[int, ...]]) -> _Expectation | None:
    shape = t.declared
    if isinstance(shape, v0_4.ParameterizedInputShape):
        lo, step = shape.min[dim], shape.step[dim]
        if step == 0:
            return _fixed(lo)
        return (
            lambda actual: actual >= lo and (actual - lo) % step == 0
        ), f"{lo} + n×{step} (n = 0, 1, 2, …)"
    if isinstance(shape, v0_4.ImplicitOutputShape):
        ref = shapes.get(str(shape.reference_tensor))
        scale, offset = shape.scale[dim], shape.offset[dim]
        if scale is None:
            return _fixed(2 * offset)
        if ref is None or dim >= len(ref):
            return None
        return _fixed(ref[dim] * scale + 2 * offset)
    return _fixed(int(shape[dim]))


def _expected_v0_5(
    axis: Any, shapes: dict[str, tuple[int, ...]], tensors: list[_Tensor]
) -> _Expectation | None:
    if isinstance(axis, v0_5.BatchAxis):
        return None if axis.size is None else _fixed(axis.size)
    if isinstance(axis, v0_5.ChannelAxis):
        return _fixed(len(axis.channel_names))
    size = getattr(axis, "size", None)
    if isinstance(size, int):
        return _fixed(size)
    if isinstance(size, v0_5.ParameterizedSize):
        lo, step = size.min, size.step
        return (
            lambda actual: actual >= lo and (actual - lo) % step == 0
        ), f"{lo} + n×{step} (n = 0, 1, 2, …)"
    if isinstance(size, v0_5.DataDependentSize):
        hi = size.max
        return (
            lambda actual: actual >= size.min and (hi is None or actual <= hi)
        ), f"at least {size.min}" + ("" if hi is None else f" and at most {hi}")
    if isinstance(size, v0_5.SizeReference):
        ref_tensor = next((r for r in tensors if r.name == str(size.tensor_id)), None)
        if ref_tensor is None or ref_tensor.name not in shapes:
            return None
        ref_ids = [str(a.id) for a in ref_tensor.axes]
        if str(size.axis_id) not in ref_ids:
            return None
        j = ref_ids.index(str(size.axis_id))
        ref_shape = shapes[ref_tensor.name]
        if j >= len(ref_shape):
            return None
        n = size.get_size(axis, ref_tensor.axes[j], ref_size=ref_shape[j])
        return (lambda actual: actual == n), f"{n} (derived from {size.tensor_id}.{size.axis_id})"
    return None
