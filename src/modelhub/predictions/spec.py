"""What a model takes and gives: its tensors and their axes, read from the description.

`read_model_io` parses a package's `rdf.yaml` (or `bioimageio.yaml`) with bioimageio.spec and
hands back plain frozen dataclasses, so the rest of the predictions code never touches the
spec's classes. Descriptions in format 0.4 are converted to the 0.5 view first, so axes always
come as 0.5 axes (batch, channel, index, space, time) with 0.5 sizes: a fixed size, a
parameterized one (`min + n * step`), a reference to another tensor's axis, or data dependent.

Only the description is parsed (`perform_io_checks=False`): no file of the package is opened,
no weights are loaded and no architecture code is imported, so this is safe outside the sandbox.

Axis ids are short: batch is `b`, channel `c`, index `i`, time `t`; a space axis keeps its own
id (`x`, `y`, `z` in practice). `TensorSpec.axis_ids` joins them, e.g. `"bcyx"`.
"""

from __future__ import annotations

import copy
import warnings
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

import yaml

from modelhub.checks.sandbox_protocol import DESCRIPTION_FILES

AxisKind = Literal["batch", "channel", "index", "space", "time"]

_KIND_LETTER: dict[str, str] = {"batch": "b", "channel": "c", "index": "i", "time": "t"}


class ModelIOError(Exception):
    """The folder holds no readable model description (the message says why, in plain words)."""


@dataclass(frozen=True)
class AxisSpec:
    """One axis of a model tensor, in the 0.5 view."""

    id: str  # "b", "c", "x", "y", "z", "t", or the 0.5 axis id
    kind: AxisKind
    size: int | None  # fixed size, or None
    min: int | None  # parameterized: min + n*step (None when fixed / referenced)
    step: int | None
    ref: (
        tuple[str, str] | None
    )  # (tensor id, axis id) the size follows (outputs, 0.5 size references)
    scale: float = 1.0  # output axis scale relative to ref; offset below
    offset: int = 0
    halo: int = 0  # outputs: pixels to crop at each side of a tile
    channel_names: tuple[str, ...] = ()


@dataclass(frozen=True)
class TensorSpec:
    """One input or output tensor of a model."""

    id: str
    axes: tuple[AxisSpec, ...]
    data_type: str
    description: str
    test_file: str | None  # package-relative path of the test tensor (.npy)
    sample_file: str | None  # package-relative path of the sample tensor (png/tif) if any

    @property
    def axis_ids(self) -> str:
        """The axis ids joined in the tensor's order, e.g. `"bcyx"`."""
        return "".join(axis.id for axis in self.axes)

    def axis(self, axis_id: str) -> AxisSpec | None:
        """The axis with this id, or None."""
        return next((axis for axis in self.axes if axis.id == axis_id), None)


@dataclass(frozen=True)
class ModelIO:
    """A model's inputs and outputs, its weight formats and the format it was written in."""

    inputs: tuple[TensorSpec, ...]
    outputs: tuple[TensorSpec, ...]
    weight_formats: tuple[str, ...]  # in the description's order
    format_version: str

    def input(self, tensor_id: str) -> TensorSpec | None:
        """The input tensor with this id, or None."""
        return next((t for t in self.inputs if t.id == tensor_id), None)


def read_model_io(package_dir: Path) -> ModelIO:
    """The inputs, outputs and weight formats of the model package in `package_dir`.

    Raises `ModelIOError` when there is no description, it is not a model, or bioimageio.spec
    finds it invalid.
    """
    source = next((package_dir / n for n in DESCRIPTION_FILES if (package_dir / n).is_file()), None)
    if source is None:
        raise ModelIOError(f"The package has no {' or '.join(DESCRIPTION_FILES)}.")
    try:
        raw = yaml.safe_load(source.read_text(encoding="utf-8"))
    except (OSError, UnicodeError, yaml.YAMLError) as exc:
        raise ModelIOError(f"The description {source.name} cannot be read: {exc}") from None
    if not isinstance(raw, dict):
        raise ModelIOError(f"The description {source.name} is not a mapping of fields.")
    if raw.get("type") != "model":
        raise ModelIOError(
            f"This is a {raw.get('type') or 'resource without a type'}, not a model: "
            "only models can be run on images."
        )
    descr = _describe(raw, source)
    lookup = _Lookup(descr)
    weights = raw.get("weights")
    formats = tuple(str(k) for k, v in weights.items() if v) if isinstance(weights, dict) else ()
    return ModelIO(
        inputs=tuple(_tensor(t, lookup) for t in descr.inputs),
        outputs=tuple(_tensor(t, lookup) for t in descr.outputs),
        weight_formats=formats,
        format_version=str(raw.get("format_version", "")),
    )


def _describe(raw: dict[str, Any], source: Path) -> Any:
    """bioimageio.spec's 0.5 model description of `raw` (converted from 0.4 when needed)."""
    from bioimageio.spec import InvalidDescr, ValidationContext, build_description
    from bioimageio.spec.model import v0_5

    context = ValidationContext(
        root=source.parent,
        file_name=source.name,
        original_source_name=source.name,
        perform_io_checks=False,
        log_warnings=False,
    )
    try:
        # the conversion from 0.4 warns about guesses it makes (e.g. output channel sizes)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            descr = build_description(copy.deepcopy(raw), context=context, format_version="latest")
    except Exception as exc:
        raise ModelIOError(
            f"bioimageio.spec could not read this description ({type(exc).__name__})."
        ) from None
    if isinstance(descr, InvalidDescr):
        errors = [e for d in descr.validation_summary.details for e in d.errors]
        first = (
            f" First problem: {'.'.join(map(str, errors[0].loc))}: {errors[0].msg}"
            if errors
            else ""
        )
        raise ModelIOError(f"The description is not a valid bioimage.io model.{first}")
    if not isinstance(descr, v0_5.ModelDescr):
        raise ModelIOError("The description could not be read as a bioimage.io model.")
    return descr


def _letter(axis: Any) -> str:
    return _KIND_LETTER.get(str(axis.type), str(axis.id))


class _Lookup:
    """Our ids and the physical scales of every axis of a description, by (tensor, 0.5 axis id)."""

    def __init__(self, descr: Any) -> None:
        axes = [(str(t.id), a) for t in [*descr.inputs, *descr.outputs] for a in t.axes]
        self.ids = {(t, str(a.id)): _letter(a) for t, a in axes}
        self.scales = {(t, str(a.id)): float(getattr(a, "scale", 1.0) or 1.0) for t, a in axes}


def _axis(axis: Any, lookup: _Lookup) -> AxisSpec:
    from bioimageio.spec.model import v0_5

    kind: AxisKind = axis.type
    letter = _letter(axis)
    halo = int(getattr(axis, "halo", 0) or 0)
    if isinstance(axis, v0_5.ChannelAxis):
        names = tuple(str(n) for n in axis.channel_names)
        return AxisSpec(letter, kind, len(names), None, None, None, halo=halo, channel_names=names)
    size = axis.size
    if isinstance(size, int):
        return AxisSpec(letter, kind, size, None, None, None, halo=halo)
    if isinstance(size, v0_5.ParameterizedSize):
        return AxisSpec(letter, kind, None, int(size.min), int(size.step), None, halo=halo)
    if isinstance(size, v0_5.SizeReference):
        key = (str(size.tensor_id), str(size.axis_id))
        # the spec's rule: size = ref size * ref axis scale / this axis's scale + offset
        scale = lookup.scales.get(key, 1.0) / float(getattr(axis, "scale", 1.0) or 1.0)
        ref = (key[0], lookup.ids.get(key, key[1]))
        return AxisSpec(
            letter, kind, None, None, None, ref, scale=scale, offset=int(size.offset), halo=halo
        )
    # no size (a batch of any size) or a data dependent one: known only after predicting
    return AxisSpec(letter, kind, None, None, None, None, halo=halo)


def _data_type(data: Any) -> str:
    # 0.5 allows one data description per channel; they share the type in practice
    first = data[0] if isinstance(data, list | tuple) and data else data
    return str(getattr(first, "type", "float32"))


def _package_path(file_descr: Any) -> str | None:
    """The package-relative path of a tensor file, or None (absent, or a URL)."""
    if file_descr is None:
        return None
    path = str(file_descr.source)
    return None if "://" in path else path


def _tensor(tensor: Any, lookup: _Lookup) -> TensorSpec:
    return TensorSpec(
        id=str(tensor.id),
        axes=tuple(_axis(a, lookup) for a in tensor.axes),
        data_type=_data_type(tensor.data),
        description=str(tensor.description or ""),
        test_file=_package_path(tensor.test_tensor),
        sample_file=_package_path(getattr(tensor, "sample_tensor", None)),
    )
