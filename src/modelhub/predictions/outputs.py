"""A prediction's outputs: each written piece by piece (`writing.OutputWriter`, ``.npy``) as
the windows come, in the image's style of axes, then stored in the results storage."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from modelhub.predictions import blockwise
from modelhub.predictions.axes import output_axes
from modelhub.predictions.spec import ModelIO, TensorSpec
from modelhub.predictions.writing import OutputWriter
from modelhub.storage.base import Storage


@dataclass(frozen=True)
class PredictOutput:
    """One output tensor, stored as ``.npy`` in the results storage."""

    name: str
    blob: str
    axes: str
    shape: tuple[int, ...]
    dtype: str


class PredictionFailed(Exception):
    """A prediction ended early: a stable code and a message in plain words."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message


class Outputs:
    """Each output's file, created at its first piece, filled piece by piece."""

    def __init__(
        self, io: ModelIO, plan: blockwise.Plan, image_axes: Mapping[str, str], work: Path
    ) -> None:
        self.io, self.plan, self.image_axes, self.work = io, plan, image_axes, work
        self.writers: dict[str, tuple[OutputWriter, TensorSpec]] = {}

    def _axes_of(self, name: str) -> str:
        """The axes of the image an output follows (the first input's when it follows none)."""
        follows = [f for f in self.plan.follows[name] if f is not None]
        return self.image_axes[follows[0][0] if follows else self.io.inputs[0].id]

    def _open(self, piece: blockwise.Piece) -> tuple[OutputWriter, TensorSpec]:
        spec = next(o for o in self.io.outputs if o.id == piece.output)
        if piece.block.dtype.kind not in "biuf":
            raise PredictionFailed(
                "output_invalid", f"The model's output {spec.id!r} is not numeric."
            )
        shape = blockwise.output_shape(self.plan, piece.output, piece.block)
        axes = output_axes(self._axes_of(piece.output), spec.axis_ids, shape)
        sizes = dict(zip(spec.axis_ids, shape, strict=True))
        path = self.work / f"output-{len(self.writers)}.npy"
        writer = OutputWriter(
            path, shape=tuple(sizes[a] for a in axes), dtype=piece.block.dtype, axes=axes, fmt="npy"
        )
        return writer, spec

    def write(self, piece: blockwise.Piece) -> None:
        """Put one piece (model axis order) into its output file (image-style axes)."""
        if piece.output not in self.writers:
            self.writers[piece.output] = self._open(piece)
        writer, spec = self.writers[piece.output]
        model_axes = spec.axis_ids
        dropped = tuple(i for i, a in enumerate(model_axes) if a not in writer.axes)
        kept = [a for a in model_axes if a in writer.axes]
        where = {
            a: slice(s, s + n)
            for a, s, n in zip(model_axes, piece.start, piece.block.shape, strict=True)
        }
        try:
            block = piece.block.squeeze(axis=dropped) if dropped else piece.block
            region = tuple(where[a] for a in writer.axes)
            writer.write(region, block.transpose([kept.index(a) for a in writer.axes]))
        except ValueError as exc:
            raise PredictionFailed(
                "output_invalid", f"The model's output {spec.id!r} has an unexpected shape ({exc})."
            ) from None

    def store(self, storage: Storage) -> list[PredictOutput]:
        """Finish every file and move it into the results storage."""
        found = []
        for name, (writer, _) in self.writers.items():
            shape, dtype, axes = writer.shape, str(writer.dtype), writer.axes
            blob = storage.put_file(writer.close(), move=True)
            found.append(PredictOutput(name, blob.sha256, axes, shape, dtype))
        self.writers.clear()
        return found

    def abort(self) -> None:
        """Drop unfinished files."""
        for writer, _ in self.writers.values():
            writer.abort()
        self.writers.clear()
