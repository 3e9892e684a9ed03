"""Which weight formats each consumer software runs: a model whose hub check passed with one of
them counts as compatible with that consumer "by the hub's check".

The table follows what each tool documents today; ids are the community partners' ids where the
consumer is a partner (bioimage.io's ``collection_config.json``), so that the hub's check and a
partner's own reports name the same consumer.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

ALL_FORMATS: frozenset[str] = frozenset(
    {
        "pytorch_state_dict",
        "torchscript",
        "onnx",
        "tensorflow_saved_model_bundle",
        "keras_hdf5",
        "keras_v3",
        "tensorflow_js",
    }
)


@dataclass(frozen=True)
class Consumer:
    id: str
    name: str
    formats: frozenset[str]


CONSUMERS: tuple[Consumer, ...] = (
    Consumer("bioimageio.core", "bioimageio.core", ALL_FORMATS - {"tensorflow_js"}),
    Consumer("ilastik", "ilastik", frozenset({"pytorch_state_dict", "torchscript", "onnx"})),
    Consumer(
        "deepimagej", "deepImageJ", frozenset({"torchscript", "tensorflow_saved_model_bundle"})
    ),
    Consumer("biapy", "BiaPy", frozenset({"pytorch_state_dict"})),
    Consumer("qupath", "QuPath", frozenset({"torchscript", "onnx"})),
    Consumer("icy", "Icy", frozenset({"torchscript", "tensorflow_saved_model_bundle"})),
)
BY_ID: Mapping[str, Consumer] = {c.id: c for c in CONSUMERS}


def passed_formats(check_formats: Mapping[str, Any]) -> set[str]:
    """The weight formats a check's row (``CheckRun.formats``) says passed."""
    return {
        name
        for name, result in check_formats.items()
        if isinstance(result, Mapping) and result.get("status") == "passed"
    }


def by_check(check_formats: Mapping[str, Any]) -> list[Consumer]:
    """The consumers that run a weight format the hub's check passed."""
    passed = passed_formats(check_formats)
    return [c for c in CONSUMERS if c.formats & passed]
