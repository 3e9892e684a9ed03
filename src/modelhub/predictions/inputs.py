"""The images of a prediction request, checked before anything is stored or run.

Each uploaded image is opened lazily (`images.open_image`), held to the requester's size limits,
and matched to the model input it is meant for: its axes are guessed and explained
(`axes.guess_axes`) or taken as given, then checked (`axes.check_axes`). Any problem is a 422
with a stable code and the field at fault, before a byte is kept.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from modelhub.errors import ErrorDetail, HubError
from modelhub.predictions.axes import check_axes, guess_axes
from modelhub.predictions.images import ImageProblem, open_image
from modelhub.predictions.owners import Limits
from modelhub.predictions.spec import ModelIO, TensorSpec

MAX_IMAGES = 100
"""Images (or sets of images, for models with several inputs) in one request."""


class ImageRefused(HubError):
    """An image that cannot be used with this model (422, the problem's own code)."""

    def __init__(self, problem: ImageProblem, loc: tuple[str | int, ...]) -> None:
        field = (problem.field,) if problem.field else ()
        super().__init__(
            message=problem.message,
            details=(ErrorDetail(loc=(*loc, *field), msg=problem.message),),
            status_code=422,
            code=problem.code,
        )


@dataclass(frozen=True)
class Upload:
    """One uploaded image, written to the request's staging folder."""

    file_name: str
    path: Path
    size: int


@dataclass(frozen=True)
class Planned:
    """One checked input of one prediction."""

    name: str
    file_name: str
    axes: str
    explanation: tuple[str, ...]
    shape: tuple[int, ...]
    dtype: str
    size: int
    path: Path | None = None  # the staged upload (None: the package's own test tensor)
    blob: str | None = None  # the test tensor's blob in the package storage


def group_uploads(io: ModelIO, sent: Mapping[str, Sequence[Upload]]) -> list[dict[str, Upload]]:
    """Pair the uploads into one set per prediction: ``sent`` maps a model input's id (or
    ``""`` for the one input of a single-input model) to its images, paired in order."""
    names = [t.id for t in io.inputs]
    if len(names) == 1 and "" in sent:
        sent = {names[0]: [*sent.get(names[0], ()), *sent[""]]}
    unknown = [k for k in sent if k not in names]
    if unknown:
        raise _refused(
            "unknown_input",
            f"This model has no input called '{unknown[0]}'; its inputs are: {', '.join(names)}.",
            ("images", unknown[0]),
        )
    counts = {name: len(sent.get(name, ())) for name in names}
    if not any(counts.values()):
        raise _refused("no_image", "Please choose an image to run the model on.", ("images",))
    if len(set(counts.values())) != 1:
        listed = ", ".join(f"{n}: {c}" for n, c in counts.items())
        raise _refused(
            "inputs_unpaired",
            "This model takes one image for each of its inputs at once; please send as many "
            f"images for every input (you sent {listed}).",
            ("images",),
        )
    total = next(iter(counts.values()))
    if total > MAX_IMAGES:
        raise _refused(
            "too_many_images",
            f"Please send at most {MAX_IMAGES} images at a time (you sent {total}).",
            ("images",),
        )
    return [{name: sent[name][i] for name in names} for i in range(total)]


def plan(
    io: ModelIO,
    sets: Sequence[Mapping[str, Upload]],
    *,
    axes: Mapping[str, str],
    limits: Limits,
) -> list[list[Planned]]:
    """Open, size-check and axis-check every upload (nothing is stored)."""
    planned: list[list[Planned]] = []
    for index, chosen in enumerate(sets):
        row = []
        for spec in io.inputs:
            loc: tuple[str | int, ...] = ("images", index, spec.id)
            row.append(_plan_one(spec, chosen[spec.id], axes.get(spec.id), limits, loc))
        planned.append(row)
    return planned


def _plan_one(
    spec: TensorSpec, upload: Upload, axes: str | None, limits: Limits, loc: tuple[str | int, ...]
) -> Planned:
    if upload.size > limits.max_bytes:
        raise _refused(
            "image_too_large",
            f"'{upload.file_name}' is larger than this hub runs ({_mb(limits.max_bytes)}).",
            loc,
        )
    try:
        source = open_image(upload.path, file_name=upload.file_name, max_pixels=limits.max_pixels)
        if axes:
            explanation: tuple[str, ...] = ("The axes were given with the request.",)
            chosen = axes.strip().lower()
        else:
            guess = guess_axes(source, spec)
            chosen, explanation = guess.axes, guess.explanation
        check_axes(chosen, source, spec)
    except ImageProblem as problem:
        raise ImageRefused(problem, loc) from None
    return Planned(
        name=spec.id,
        file_name=upload.file_name,
        axes=chosen,
        explanation=tuple(explanation),
        shape=tuple(int(n) for n in source.shape),
        dtype=str(source.dtype),
        size=upload.size,
        path=upload.path,
    )


def model_letters(spec: TensorSpec) -> str:
    """The model's own axes as image axis letters (its test tensor is laid out so)."""
    letters = {"batch": "b", "channel": "c", "index": "i", "time": "t"}
    return "".join(letters.get(a.kind, a.id if a.id in "xyz" else "i") for a in spec.axes)


def _refused(code: str, message: str, loc: tuple[str | int, ...]) -> HubError:
    return HubError(
        message=message,
        details=(ErrorDetail(loc=loc, msg=message),),
        status_code=422,
        code=code,
    )


def _mb(size: int) -> str:
    return f"{size / 1024**2:,.0f} MB" if size >= 1024**2 else f"{size:,} bytes"
