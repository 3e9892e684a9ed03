"""The inputs/outputs rows and processing steps of the card, from raw 0.4 and 0.5 descriptions."""

from __future__ import annotations

from typing import Any

import pytest

from modelhub.catalog.card_io import tensor_rows
from modelhub.catalog.card_steps import describe_steps


def _url(path: Any) -> str | None:
    return f"/f/{path}" if isinstance(path, str) else None


LEGACY: dict[str, Any] = {
    "format_version": "0.4.9",
    "inputs": [
        {
            "name": "raw",
            "axes": "bczyx",
            "data_type": "uint8",
            "data_range": [0, None],
            "shape": {"min": [1, 2, 8, 16, 16], "step": [0, 0, 4, 8, 8]},
        }
    ],
    "outputs": [
        {
            "name": "mask",
            "axes": "bczyx",
            "data_type": "float32",
            "shape": {
                "reference_tensor": "raw",
                "scale": [1, 0, 1, 0.5, 0.5],
                "offset": [0, 1.5, 0, -4, -4],
            },
            "halo": [0, 0, 0, 8, 8],
            "postprocessing": [{"name": "binarize", "kwargs": {"threshold": 0.5}}],
        }
    ],
    "test_inputs": ["in.npy"],
    "test_outputs": ["out.npy"],
}


def test_format_0_4_shapes_in_words() -> None:
    (raw,) = tensor_rows(LEGACY, "inputs", _url)
    assert raw.axes_text == "bczyx" and [a.type for a in raw.axes][:3] == [
        "batch",
        "channel",
        "space",
    ]
    assert raw.shape == "1 × 2 × (8 + 4·n) × (16 + 8·n) × (16 + 8·n)"
    assert raw.data_type == "uint8" and raw.data_range == "[0, ∞]"
    assert raw.test_tensor_url == "/f/in.npy" and raw.sample_tensor_url is None
    (mask,) = tensor_rows(LEGACY, "outputs", _url)
    assert mask.shape == "raw.b × 3 × raw.z × (raw.y × 0.5 − 8) × (raw.x × 0.5 − 8)"
    assert mask.halo == "y: 8, x: 8"
    assert mask.steps[0].text == "1 where the value is above 0.5, 0 elsewhere"


def test_format_0_5_axes_data_and_defaults() -> None:
    rdf = {
        "format_version": "0.5.4",
        "inputs": [
            {
                "axes": [
                    {"type": "batch"},
                    {"type": "channel", "channel_names": ["r", "g", "b"]},
                    {"type": "space", "id": "y", "size": {"min": 64, "step": 16}},
                    {"type": "space", "size": 128, "unit": "micrometer", "scale": 0.5},
                ],
                "data": [{"type": "uint8", "range": [0, 255]}, {"type": "uint8"}],
                "test_tensor": {"source": "t.npy", "sha256": "0" * 64},
            }
        ],
        "outputs": [
            {
                "id": "labels",
                "axes": [{"type": "index", "size": {"min": 1, "max": 100}}],
                "data": {"type": "uint16", "values": [0, 1, 2]},
            }
        ],
    }
    (image,) = tensor_rows(rdf, "inputs", _url)
    assert image.name == "input"  # 0.5's default id
    assert image.axes_text == "batch, channel, y, x"
    assert image.shape == "any × 3 × (64 + 16·n) × 128"
    assert image.axes[1].channel_names == ["r", "g", "b"]
    assert image.axes[3].unit == "0.5 micrometer per pixel"
    assert image.data_type == "uint8" and image.data_range == "[0, 255]"
    assert image.test_tensor_url == "/f/t.npy" and image.data_type == "uint8"
    (labels,) = tensor_rows(rdf, "outputs", _url)
    assert labels.shape == "data-dependent (1 to 100)" and labels.data_range == "values 0, 1, 2"


@pytest.mark.parametrize(
    ("step", "words"),
    [
        ({"id": "clip", "kwargs": {"min": 0, "max": 1.0}}, "values clipped to [0, 1]"),
        (
            {"name": "scale_linear", "kwargs": {"gain": 2, "offset": -1, "axes": "xy"}},
            "multiplied by 2, then -1 added over axes x, y",
        ),
        (
            {"id": "scale_range", "kwargs": {"min_percentile": 1, "max_percentile": 99.8}},
            "rescaled so that the 1st percentile becomes 0 and the 99.8th percentile 1"
            " (statistics per sample)",
        ),
        (
            {"name": "zero_mean_unit_variance", "kwargs": {"mode": "fixed", "mean": 3, "std": 2}},
            "minus mean 3, divided by standard deviation 2",
        ),
        (
            {"id": "scale_mean_variance", "kwargs": {"reference_tensor": "raw"}},
            "mean and variance matched to those of tensor raw (statistics per sample)",
        ),
        ({"id": "mystery", "kwargs": {"k": [1, 2]}}, "mystery with k = [1, 2]"),
    ],
)
def test_steps_in_plain_words(step: dict[str, Any], words: str) -> None:
    (row,) = describe_steps([step])
    assert row.text == words and row.arguments == step["kwargs"]


def test_odd_descriptions_give_no_rows_rather_than_errors() -> None:
    assert tensor_rows({"inputs": "nope"}, "inputs", _url) == []
    assert describe_steps([1, None, {"kwargs": "x"}])[0].text == "unnamed step"
    rows = tensor_rows({"format_version": "0.4.9", "inputs": [{"name": "a"}]}, "inputs", _url)
    assert rows[0].shape == "" and rows[0].data_type == "not given"
