"""The weight formats of a model: format, file, framework version, parent, architecture."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from pydantic import BaseModel

TITLES = {
    "pytorch_state_dict": "PyTorch state dict",
    "torchscript": "TorchScript",
    "onnx": "ONNX",
    "tensorflow_saved_model_bundle": "TensorFlow SavedModel bundle",
    "keras_hdf5": "Keras HDF5",
    "tensorflow_js": "TensorFlow.js",
}
# the order the formats are shown in: the source first, then its conversions
_ORDER = tuple(TITLES)


class WeightRow(BaseModel):
    format: str
    title: str
    path: str | None
    url: str | None
    framework: str | None
    parent: str | None
    architecture: str | None
    comment: str | None


def _framework(entry: dict[str, Any]) -> str | None:
    parts = []
    if entry.get("pytorch_version"):
        parts.append(f"PyTorch {entry['pytorch_version']}")
    if entry.get("tensorflow_version"):
        parts.append(f"TensorFlow {entry['tensorflow_version']}")
    if entry.get("opset_version"):
        parts.append(f"ONNX opset {entry['opset_version']}")
    return ", ".join(parts) or None


def _architecture(raw: Any) -> str | None:
    if isinstance(raw, str):  # 0.4: "file.py:Callable" or "module.path.Callable"
        return raw
    if isinstance(raw, dict) and raw.get("callable"):
        where = raw.get("source") or raw.get("import_from")
        return f"{raw['callable']} from {where}" if where else str(raw["callable"])
    return None


def weight_rows(raw: Any, file_url: Callable[[Any], str | None]) -> list[WeightRow]:
    """One row per weight format the description lists, in a stable order."""
    if not isinstance(raw, dict):
        return []
    names = sorted(raw, key=lambda n: (_ORDER.index(n) if n in _ORDER else len(_ORDER), n))
    rows = []
    for name in names:
        entry = raw[name] if isinstance(raw[name], dict) else {}
        source = entry.get("source")
        rows.append(
            WeightRow(
                format=str(name),
                title=TITLES.get(name, str(name)),
                path=str(source) if isinstance(source, str) else None,
                url=file_url(source),
                framework=_framework(entry),
                parent=str(entry["parent"]) if entry.get("parent") else None,
                architecture=_architecture(entry.get("architecture")),
                comment=str(entry["comment"]) if entry.get("comment") else None,
            )
        )
    return rows
