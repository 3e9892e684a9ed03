"""Media types of package files (the standard table misses the field's formats)."""

from __future__ import annotations

import mimetypes
from pathlib import PurePosixPath

_OVERRIDES = {
    ".yaml": "application/yaml",
    ".yml": "application/yaml",
    ".md": "text/markdown; charset=utf-8",
    ".npy": "application/octet-stream",
    ".npz": "application/octet-stream",
    ".onnx": "application/octet-stream",
    ".pt": "application/octet-stream",
    ".pth": "application/octet-stream",
    ".h5": "application/x-hdf5",
    ".hdf5": "application/x-hdf5",
    ".ipynb": "application/x-ipynb+json",
    ".py": "text/x-python; charset=utf-8",
    ".ijm": "text/plain; charset=utf-8",
    ".txt": "text/plain; charset=utf-8",
    ".json": "application/json",
    ".tif": "image/tiff",
    ".tiff": "image/tiff",
    ".zip": "application/zip",
}


def media_type_for(path: str) -> str:
    suffix = PurePosixPath(path).suffix.lower()
    if suffix in _OVERRIDES:
        return _OVERRIDES[suffix]
    guessed, _ = mimetypes.guess_type(path, strict=False)
    return guessed or "application/octet-stream"
