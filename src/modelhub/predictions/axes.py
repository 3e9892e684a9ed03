"""Which image axis is which, whether that suits the model, and images in the model's order.

An image's axes are written as one letter per dimension from `btczyx` (batch, time, channel,
z, y, x; `i` for a model's index axis), e.g. `"yx"`, `"cyx"`, `"yxc"`, `"tczyx"`.

- `guess_axes`: letters for an image, from its metadata first, then from its shape, with the
  reasons in plain sentences for the person who uploaded it (who can correct them).
- `check_axes`: letters given (or guessed) checked against the image and the model; raises
  `ImageProblem` (field `axes`) with `axes_mismatch` or `wrong_channel_count`, or
  `image_too_small` for a non-spatial axis below the model's minimum. Spatial axes of any size
  pass: padding and tiling to the model's valid sizes is the engine's work.
- `arrange`: an image block in the model's axis order (singleton axes added, size-1 axes the
  model lacks dropped); `read_model_block` reads a region named in model letters that way, and
  `model_sizes` gives the whole image's size along each model axis.
- `restore`: a model output back in the image's style of axes (`output_axes` names them).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np

from modelhub.predictions.images import ImageProblem, ImageSource, shape_text
from modelhub.predictions.spec import TensorSpec

LETTERS = "bitczyx"  # canonical order; i (index) only for models with an index axis
_NAMES = {"b": "batch", "i": "index", "t": "time", "c": "channel", "z": "z", "y": "y", "x": "x"}
_SMALL = 4  # a dimension this small next to large ones is taken for channels (RGB(A), few stains)


@dataclass(frozen=True)
class AxisGuess:
    """Letters for an image's axes and why they were chosen."""

    axes: str  # one letter per image dim from "btczyx", e.g. "yx", "cyx", "yxc", "zyx"
    explanation: tuple[str, ...]


def _listed(letters: str) -> str:
    return ", ".join(letters)


def _channel_count(spec: TensorSpec) -> int | None:
    axis = spec.axis("c")
    return None if axis is None else axis.size


def guess_axes(source: ImageSource, spec: TensorSpec) -> AxisGuess:
    """The most likely axes of `source` for a model input `spec`, with the reasons."""
    shape = source.shape
    ndim = len(shape)
    shown = shape_text(shape)
    hint = source.axes_hint
    if hint is not None and _valid_letters(hint) and len(hint) == ndim:
        axes = hint
        if source.format == "png":
            kind = "a colour PNG" if "c" in hint else f"{ndim}-D"
            why = [f"The image is {kind} ({shown}): read as {_listed(axes)}."]
        else:
            why = [f"The file's metadata names its axes ({shown}): read as {_listed(axes)}."]
    else:
        axes, reason = _from_shape(shape, spec)
        why = [f"The image is {ndim}-D ({shown}){reason}: read as {_listed(axes)}."]
    why.extend(_additions(axes, spec))
    return AxisGuess(axes, tuple(why))


def _from_shape(shape: tuple[int, ...], spec: TensorSpec) -> tuple[str, str]:
    """Letters from the shape alone, and the reason in words (to follow "The image is N-D")."""
    ndim = len(shape)
    model = spec.axis_ids
    channels = _channel_count(spec)
    small_first = shape[0] <= _SMALL
    small_last = shape[-1] <= _SMALL
    if ndim == 2:
        return "yx", ""
    if ndim == 3:
        if small_last and not small_first:
            return "yxc", f" and its last dimension is small ({shape[-1]}: channels or colours)"
        if "z" in model and not (small_first and channels == shape[0] and shape[0] > 1):
            return "zyx", " and the model works in 3-D"
        if small_first:
            return "cyx", f" and its first dimension is small ({shape[0]}: channels)"
        if "t" in model:
            return "tyx", " and the model takes a time axis"
        return "zyx", " (a stack of planes)"
    if ndim == 4:
        if small_last and not small_first:
            return ("zyxc" if "t" not in model else "tyxc"), " with channels last"
        if small_first:
            return "czyx", f" and its first dimension is small ({shape[0]}: channels)"
        if shape[1] <= _SMALL:
            return "zcyx", f" and its second dimension is small ({shape[1]}: channels)"
        return "tzyx", " (a time series of stacks)"
    if ndim == 5:
        if small_last and not small_first:
            return "tzyxc", " with channels last"
        return "tczyx", " (the OME order)"
    if ndim == 6:
        return "btczyx", " (the OME order with a batch axis first)"
    raise ImageProblem(
        "axes_mismatch",
        f"The image has {ndim} dimension{'s' * (ndim != 1)} (shape {shape_text(shape)}); "
        "models take images of 2 to 6 dimensions (batch, time, channel, z, y, x).",
        "axes",
    )


def _additions(axes: str, spec: TensorSpec) -> list[str]:
    """Sentences for the model axes the image lacks (added as size 1)."""
    notes = []
    for axis in spec.axes:
        if axis.id in axes or axis.id == "b":
            continue
        if axis.kind == "channel":
            names = f" ({', '.join(axis.channel_names)})" if axis.channel_names else ""
            plural = "s" * (axis.size != 1)
            notes.append(f"The model wants {axis.size} channel{plural}{names}: added.")
        else:
            notes.append(f"The model has a {_NAMES.get(axis.id, axis.id)} axis: added (size 1).")
    return notes


def _valid_letters(axes: str) -> bool:
    return bool(axes) and all(a in LETTERS for a in axes) and len(set(axes)) == len(axes)


def check_axes(axes: str, source: ImageSource, spec: TensorSpec) -> None:
    """Refuse letters that do not fit the image or an image that does not fit the model."""
    shape = source.shape
    if len(axes) != len(shape):
        raise ImageProblem(
            "axes_mismatch",
            f"{len(axes)} axis letters ({axes or 'none'}) were given for an image of "
            f"{len(shape)} dimensions (shape {shape_text(shape)}): give one letter per dimension.",
            "axes",
        )
    unknown = sorted({a for a in axes if a not in LETTERS})
    if unknown:
        raise ImageProblem(
            "axes_mismatch",
            f"Unknown axis letter{'s' * (len(unknown) > 1)} {', '.join(unknown)}: use b (batch), "
            "t (time), c (channel), z, y and x.",
            "axes",
        )
    twice = sorted({a for a in axes if axes.count(a) > 1})
    if twice:
        raise ImageProblem(
            "axes_mismatch",
            f"Each axis letter may appear once; {', '.join(twice)} appears twice.",
            "axes",
        )
    sizes = dict(zip(axes, shape, strict=True))
    for letter, size in sizes.items():
        if spec.axis(letter) is None and size > 1:
            raise ImageProblem(
                "axes_mismatch",
                f"The model takes no {_NAMES[letter]} axis (it takes {_listed(spec.axis_ids)}), "
                f"but this image has {size} along {letter}. Upload one "
                f"{'plane' if letter in 'zt' else 'image'} at a time, or correct the axis letters.",
                "axes",
            )
    for axis in spec.axes:
        _check_model_axis(axis.id, axis.kind, axis.size, axis.min, sizes.get(axis.id, 1), spec)


def _check_model_axis(
    letter: str, kind: str, size: int | None, minimum: int | None, have: int, spec: TensorSpec
) -> None:
    if kind == "space" or (kind == "batch" and size is None):
        return  # any size: the engine pads and tiles spatial axes
    if kind == "channel":
        if size is not None and have != size:
            axis = spec.axis("c")
            names = f" ({', '.join(axis.channel_names)})" if axis and axis.channel_names else ""
            raise ImageProblem(
                "wrong_channel_count",
                f"The model wants {size} channel{'s' * (size != 1)}{names}; this image has "
                f"{have}.{' Convert it to greyscale, or pick one channel.' * (size == 1)}",
                "axes",
            )
        return
    name = _NAMES.get(letter, letter)
    if size is not None and have != size:
        raise ImageProblem(
            "axes_mismatch",
            f"The model wants exactly {size} along {name}; this image has {have}.",
            "axes",
        )
    if minimum is not None and have < minimum:
        raise ImageProblem(
            "image_too_small",
            f"The model wants at least {minimum} along {name}; this image has {have}.",
            "axes",
        )


def arrange(block: np.ndarray, axes: str, spec: TensorSpec) -> np.ndarray:
    """`block` (in `axes` order) in the model's axis order: size-1 axes the model lacks dropped,
    missing model axes added with size 1. Raises `ValueError` for a larger axis the model lacks."""
    ids = [a.id for a in spec.axes]
    extra = tuple(i for i, a in enumerate(axes) if a not in ids)
    if any(block.shape[i] != 1 for i in extra):
        raise ValueError(f"axes {axes} of block {block.shape} do not fit the model's {ids}")
    kept = [a for a in axes if a in ids]
    squeezed = block.squeeze(axis=extra) if extra else block
    order = [kept.index(a) for a in ids if a in kept]
    moved = squeezed.transpose(order)
    present = [a for a in ids if a in kept]
    shape = [moved.shape[present.index(a)] if a in present else 1 for a in ids]
    return moved.reshape(shape)


def model_sizes(axes: str, shape: tuple[int, ...], spec: TensorSpec) -> dict[str, int]:
    """The image's size along each model axis (1 where the image lacks the axis)."""
    sizes = dict(zip(axes, shape, strict=True))
    return {axis.id: sizes.get(axis.id, 1) for axis in spec.axes}


def image_region(axes: str, region: Mapping[str, slice]) -> tuple[slice, ...]:
    """The image region (one slice per image axis) for a region named by axis letter; axes the
    region does not name are taken whole."""
    return tuple(region.get(a, slice(None)) for a in axes)


def read_model_block(
    source: ImageSource, axes: str, spec: TensorSpec, region: Mapping[str, slice]
) -> np.ndarray:
    """Read `region` (slices by model axis id, inside the image) in the model's axis order."""
    return arrange(source.read(image_region(axes, region)), axes, spec)


def output_axes(image_axes: str, model_axes: str, shape: tuple[int, ...]) -> str:
    """Letters of a model output of `shape` (in `model_axes` order) written in the image's
    style: size-1 axes the image lacks dropped, shared axes in the image's order, new axes (e.g.
    several output channels) placed by the canonical order `bitczyx`."""
    rank = {a: i for i, a in enumerate(LETTERS)}
    kept = [a for a, n in zip(model_axes, shape, strict=True) if a in image_axes or n != 1]
    result = [a for a in image_axes if a in kept]
    for letter in sorted((a for a in kept if a not in image_axes), key=lambda a: rank.get(a, 0)):
        later = [i for i, a in enumerate(result) if rank.get(a, 0) > rank.get(letter, 0)]
        result.insert(later[0] if later else len(result), letter)
    return "".join(result)


def restore(output: np.ndarray, model_axes: str, image_axes: str) -> tuple[np.ndarray, str]:
    """A model output (in `model_axes` order) in the image's style; returns it and its letters."""
    axes = output_axes(image_axes, model_axes, output.shape)
    dropped = tuple(i for i, a in enumerate(model_axes) if a not in axes)
    squeezed = output.squeeze(axis=dropped) if dropped else output
    kept = [a for a in model_axes if a in axes]
    return squeezed.transpose([kept.index(a) for a in axes]), axes
