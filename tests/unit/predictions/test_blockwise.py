"""Tile plans and whole-image statistics, without a sandbox: windows cover the image once, the
halo is cut only between tiles, fixed-size models tile with shifted windows, models whose
outputs do not follow their input are refused, and the streamed statistics equal
bioimageio.core's own."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from modelhub.predictions import blockwise, stats
from modelhub.predictions.spec import AxisSpec, ModelIO, TensorSpec, read_model_io

UNET = Path(__file__).parents[2] / "data" / "unet2d_nuclei_broad"


def space(axis: str, **size: int) -> AxisSpec:
    return AxisSpec(axis, "space", None, size.get("min"), size.get("step"), None)


def tiny_model(output_scale: float = 1.0) -> ModelIO:
    """The demo state-dict model's tensors: any size >= 16 in steps of 8, halo 2."""
    batch = AxisSpec("b", "batch", None, None, None, None)
    channel = AxisSpec("c", "channel", 1, None, None, None, channel_names=("intensity",))
    raw = TensorSpec(
        "raw",
        (batch, channel, space("y", min=16, step=8), space("x", min=16, step=8)),
        "uint8",
        "",
        None,
        None,
    )
    follow = tuple(
        AxisSpec(a, "space", None, None, None, ("raw", a), scale=output_scale, halo=2) for a in "yx"
    )
    probability = TensorSpec("probability", (batch, channel, *follow), "float32", "", None, None)
    return ModelIO((raw,), (probability,), ("pytorch_state_dict",), "0.5.4")


def coverage(plan: blockwise.Plan, shape: dict[str, int]) -> np.ndarray:
    """How often each image pixel is written (y, x)."""
    counts = np.zeros((shape["y"], shape["x"]), dtype=int)
    for window in plan.windows:
        write = {a: slice(lo, hi) for a, lo, hi in window.write}
        counts[write["y"], write["x"]] += 1
    return counts


def test_tiles_cover_the_image_once_within_the_model_size_rules() -> None:
    io = tiny_model()
    sizes = {"b": 1, "c": 1, "y": 300, "x": 260}
    whole = blockwise.plan(io, {"raw": sizes}, max_block_pixels=1 << 20)
    assert (len(whole.windows), whole.window["raw"]) == (1, {"b": 1, "c": 1, "y": 304, "x": 264})

    tiled = blockwise.plan(io, {"raw": sizes}, max_block_pixels=48 * 48)
    assert tiled.window["raw"] == {"b": 1, "c": 1, "y": 48, "x": 48}
    assert (coverage(tiled, sizes) == 1).all()
    starts = sorted({dict(w.start)["x"] for w in tiled.windows})
    assert starts == [0, 44, 88, 132, 176, 216]  # stride 48 - 2 * 2; the last one ends at 264
    first = next(w for w in tiled.windows if dict(w.start) == {"y": 0, "x": 44})
    assert dict((a, (lo, hi)) for a, lo, hi in first.write) == {"y": (0, 46), "x": (46, 90)}


def test_a_fixed_size_model_tiles_with_windows_shifted_back_from_the_end() -> None:
    io = read_model_io(UNET)  # fixed 512, halo 32
    sizes = {"b": 1, "c": 1, "y": 1000, "x": 300}
    plan = blockwise.plan(io, {"raw": sizes}, max_block_pixels=1 << 20)
    assert plan.window["raw"] == {"b": 1, "c": 1, "y": 512, "x": 512}
    assert sorted({dict(w.start)["y"] for w in plan.windows}) == [0, 448, 488]
    assert [w.write for w in plan.windows] == [
        (("y", 0, 480), ("x", 0, 300)),
        (("y", 480, 928), ("x", 0, 300)),
        (("y", 928, 1000), ("x", 0, 300)),
    ]
    np.testing.assert_array_equal(blockwise.mirror(298, 5, 300), [298, 299, 299, 298, 297])


def test_outputs_that_do_not_follow_the_input_are_predicted_whole_only() -> None:
    changed = tiny_model(output_scale=0.5)
    sizes = {"raw": {"b": 1, "c": 1, "y": 64, "x": 64}}
    assert len(blockwise.plan(changed, sizes, max_block_pixels=1 << 20).windows) == 1
    with pytest.raises(blockwise.BlockwiseUnsupported, match="pixel for pixel along y"):
        blockwise.plan(changed, sizes, max_block_pixels=32 * 32)


def test_streamed_statistics_equal_the_library_s(monkeypatch: pytest.MonkeyPatch) -> None:
    from bioimageio.core import Sample, Tensor
    from bioimageio.core.common import MemberId
    from bioimageio.core.stat_measures import SampleMean, SampleQuantile, SampleStd

    monkeypatch.setattr(stats, "SLAB_VALUES", 1000)  # many slabs
    image = np.random.default_rng(3).gamma(2.0, 30.0, size=(1, 2, 90, 70)).astype(np.float32)
    axes = ["batch", "channel", "y", "x"]
    measures: list[SampleMean | SampleStd | SampleQuantile] = [
        SampleMean(member_id="raw", axes=("y", "x")),
        SampleStd(member_id="raw", axes=("y", "x")),
        SampleQuantile(member_id="raw", axes=("y", "x"), q=0.995),
        SampleStd(member_id="raw", axes=None),
    ]
    needed = [
        stats.Needed(
            m.model_dump(mode="json"),
            "raw",
            tuple(i for i, a in enumerate(axes) if m.axes is None or a in m.axes),
            tuple(a for a in axes if m.axes is not None and a not in m.axes),
        )
        for m in measures
    ]

    def read(name: str) -> stats.ReadSlab:
        return lambda axis, part: image[(slice(None),) * axis + (part,)]

    found = stats.compute(needed, {"raw": image.shape}, {"raw": image.dtype}, read)
    sample = Sample(members={MemberId("raw"): Tensor(image, dims=axes)}, stat={}, id=0)
    for measure, stat in zip(measures, found, strict=True):
        expected = np.asarray(measure.compute(sample))
        assert stat.value.shape == expected.shape and stat.dims == tuple(
            a for a in axes if measure.axes is not None and a not in measure.axes
        )
        np.testing.assert_allclose(stat.value, expected, rtol=1e-5)
    needs = stats.requirements(UNET)  # zero_mean_unit_variance over x and y
    assert not needs.on_outputs
    assert sorted((n.measure["name"], n.reduce, n.kept_dims) for n in needs.inputs) == [
        ("mean", (2, 3), ("batch", "channel")),
        ("std", (2, 3), ("batch", "channel")),
    ]
