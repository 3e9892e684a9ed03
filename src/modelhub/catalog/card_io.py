"""The inputs/outputs table of a model card, from a 0.4 or a 0.5 description alike.

Format 0.4 writes axes as a string (``bcyx``) with a separate ``shape`` (fixed sizes, ``min`` +
``step``, or ``reference_tensor`` with ``scale`` and ``offset``) and ``halo``; format 0.5 writes
one object per axis (type, id, size, channel names, halo). Both become the same rows: one axis
row per axis with its size in words, a shape line, the data type and range, the processing
steps and links to the test tensors."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from pydantic import BaseModel

from modelhub.catalog.card_steps import StepRow, describe_steps, number

FileUrl = Callable[[Any], str | None]
"""A package path (as the description writes it) → its download URL, None when not a file."""

_LETTERS = {"b": "batch", "i": "index", "t": "time", "c": "channel", "z": "space"}
_DEFAULT_IDS = {"batch": "batch", "channel": "channel", "index": "index", "time": "time"}


class AxisRow(BaseModel):
    id: str
    type: str
    size: str
    channel_names: list[str] = []
    halo: int | None = None
    unit: str | None = None


class TensorRow(BaseModel):
    """One input or output tensor of a model, described for people."""

    name: str
    description: str
    axes_text: str  # as written: "bcyx" (0.4), "batch, channel, y, x" (0.5)
    axes: list[AxisRow]
    shape: str
    data_type: str
    data_range: str | None
    steps: list[StepRow]
    halo: str | None
    test_tensor_url: str | None
    sample_tensor_url: str | None


def tensor_rows(rdf: dict[str, Any], kind: str, file_url: FileUrl) -> list[TensorRow]:
    """Rows for ``kind`` ("inputs" or "outputs") of the description."""
    tensors = rdf.get(kind)
    if not isinstance(tensors, list):
        return []
    legacy = str(rdf.get("format_version", "")).startswith("0.4")
    build = _row_0_4 if legacy else _row_0_5
    steps_key = "preprocessing" if kind == "inputs" else "postprocessing"
    rows = []
    for index, tensor in enumerate(tensors):
        if isinstance(tensor, dict):
            row = build(tensor, file_url)
            row.name = row.name or kind[:-1]  # 0.5's default ids: "input", "output"
            row.steps = describe_steps(tensor.get(steps_key))
            if legacy:
                _legacy_samples(row, rdf, kind, index, file_url)
            rows.append(row)
    return rows


def _shape(axes: list[AxisRow]) -> str:
    """The sizes joined by multiplication signs, sums and products in parentheses."""
    compound = (" + ", " − ", " × ")
    return " × ".join(
        f"({a.size})" if any(op in a.size for op in compound) else a.size for a in axes
    )


def _halo_text(axes: list[AxisRow]) -> str | None:
    parts = [f"{a.id}: {a.halo}" for a in axes if a.halo]
    return ", ".join(parts) or None


def _range_text(value: Any) -> str | None:
    if not isinstance(value, list | tuple) or len(value) != 2:
        return None
    low = "−∞" if value[0] is None else number(value[0])
    high = "∞" if value[1] is None else number(value[1])
    return f"[{low}, {high}]"


def _plus(text: str, extra: float) -> str:
    if not extra:
        return text
    return f"{text} {'+' if extra > 0 else '−'} {number(abs(extra))}"


# format 0.4 -----------------------------------------------------------------------------------


def _sizes_0_4(shape: Any, letters: str) -> list[str]:
    count = len(letters)
    if isinstance(shape, list):
        return [number(s) for s in shape]
    if isinstance(shape, dict) and "min" in shape:
        mins, steps = shape.get("min") or [], shape.get("step") or []
        return [
            number(m) if not s else f"{number(m)} + {number(s)}·n"
            for m, s in zip(mins, steps or [0] * len(mins), strict=False)
        ]
    if isinstance(shape, dict) and "reference_tensor" in shape:
        ref = shape["reference_tensor"]
        scales, offsets = shape.get("scale") or [1] * count, shape.get("offset") or [0] * count
        sizes = []
        for letter, scale, offset in zip(letters, scales, offsets, strict=False):
            base = "" if scale in (0, None) else f"{ref}.{letter}"
            if base and scale != 1:
                base += f" × {number(scale)}"
            extra = 2 * (offset or 0)  # 0.4: shape = reference shape * scale + 2 * offset
            sizes.append(_plus(base, extra) if base else number(extra))
        return sizes
    return ["?"] * count


def _row_0_4(tensor: dict[str, Any], file_url: FileUrl) -> TensorRow:
    letters = str(tensor.get("axes") or "")
    sizes = _sizes_0_4(tensor.get("shape"), letters)
    found = tensor.get("halo")
    halos: list[Any] = found if isinstance(found, list) else []
    axes = [
        AxisRow(
            id=letter,
            type=_LETTERS.get(letter, "space"),
            size=sizes[i] if i < len(sizes) else "?",
            halo=(halos[i] or None) if i < len(halos) else None,
        )
        for i, letter in enumerate(letters)
    ]
    return TensorRow(
        name=str(tensor.get("name") or ""),
        description=str(tensor.get("description") or ""),
        axes_text=letters,
        axes=axes,
        shape=_shape(axes),
        data_type=str(tensor.get("data_type") or "not given"),
        data_range=_range_text(tensor.get("data_range")),
        steps=[],
        halo=_halo_text(axes),
        test_tensor_url=None,
        sample_tensor_url=None,
    )


def _legacy_samples(
    row: TensorRow, rdf: dict[str, Any], kind: str, index: int, file_url: FileUrl
) -> None:
    # 0.4 lists test and sample tensors beside the tensors, in the same order
    which = "inputs" if kind == "inputs" else "outputs"
    for key, attr in (
        (f"test_{which}", "test_tensor_url"),
        (f"sample_{which}", "sample_tensor_url"),
    ):
        listed = rdf.get(key)
        if isinstance(listed, list) and index < len(listed):
            setattr(row, attr, file_url(listed[index]))


# format 0.5 -----------------------------------------------------------------------------------


def _size_0_5(axis: dict[str, Any]) -> str:
    size = axis.get("size")
    kind = str(axis.get("type") or "")
    if kind == "channel" and size is None:
        names = axis.get("channel_names")
        return number(len(names)) if isinstance(names, list) else "?"
    if size is None:
        return "any" if kind == "batch" else "?"
    if isinstance(size, dict) and "tensor_id" in size:
        text = f"{size.get('tensor_id')}.{size.get('axis_id')}"
        return _plus(text, size.get("offset") or 0)
    if isinstance(size, dict) and "step" in size:
        step = size.get("step") or 0
        return f"{number(size.get('min'))} + {number(step)}·n" if step else number(size.get("min"))
    if isinstance(size, dict):  # data-dependent output size
        return f"data-dependent ({number(size.get('min', 1))} to {number(size.get('max', '∞'))})"
    return number(size)


def _axis_0_5(axis: dict[str, Any]) -> AxisRow:
    kind = str(axis.get("type") or "space")
    names = axis.get("channel_names")
    scale = axis.get("scale")
    unit = axis.get("unit")
    if scale not in (None, 1, 1.0):
        unit = f"{number(scale)} {unit or 'units'} per pixel"
    return AxisRow(
        id=str(axis.get("id") or _DEFAULT_IDS.get(kind, "x")),
        type=kind,
        size=_size_0_5(axis),
        channel_names=[str(n) for n in names] if isinstance(names, list) else [],
        halo=axis.get("halo") or None,
        unit=str(unit) if unit else None,
    )


def _data_0_5(data: Any) -> tuple[str, str | None]:
    entries = data if isinstance(data, list) else [data]
    types, ranges = [], []
    for entry in entries:
        entry = entry if isinstance(entry, dict) else {}
        types.append(str(entry.get("type") or "float32"))
        if isinstance(entry.get("values"), list):
            ranges.append("values " + ", ".join(map(number, entry["values"])))
        elif (found := _range_text(entry.get("range"))) is not None:
            ranges.append(found)
    return ", ".join(dict.fromkeys(types)), "; ".join(dict.fromkeys(ranges)) or None


def _source(entry: Any) -> Any:
    return entry.get("source") if isinstance(entry, dict) else entry


def _row_0_5(tensor: dict[str, Any], file_url: FileUrl) -> TensorRow:
    found = tensor.get("axes")
    raw_axes: list[Any] = found if isinstance(found, list) else []
    axes = [_axis_0_5(a) for a in raw_axes if isinstance(a, dict)]
    data_type, data_range = _data_0_5(tensor.get("data"))
    test, sample = tensor.get("test_tensor"), tensor.get("sample_tensor")
    return TensorRow(
        name=str(tensor.get("id") or ""),
        description=str(tensor.get("description") or ""),
        axes_text=", ".join(a.id for a in axes),
        axes=axes,
        shape=_shape(axes),
        data_type=data_type,
        data_range=data_range,
        steps=[],
        halo=_halo_text(axes),
        test_tensor_url=file_url(_source(test)) if test else None,
        sample_tensor_url=file_url(_source(sample)) if sample else None,
    )
