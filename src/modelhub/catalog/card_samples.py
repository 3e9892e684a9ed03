"""Sample images of a model card: the test (and sample) tensors of a version as small PNGs.

A card lists a picture for each input and output tensor whose test or sample file can be shown:
a numeric ``.npy`` (its header is read to know: objects, i.e. pickles, never are) with y and x
axes, or a PNG/TIFF image, each within ``MAX_BYTES``. The PNG itself is made on first request
(``sample_png``) and kept in a bounded in-process cache under the file's sha256: a version's
files never change. Uploaded bytes are hostile: ``.npy`` files load without pickles, images have
their pixel count checked before decoding, and anything that fails shows no picture."""

from __future__ import annotations

import io
import re
import threading
from collections import OrderedDict
from typing import Any

import numpy as np
from pydantic import BaseModel

from modelhub.catalog.card_docs import package_path
from modelhub.catalog.card_io import TensorRow, tensor_rows
from modelhub.catalog.models import ResourceVersion, VersionFile
from modelhub.links import Links
from modelhub.storage.base import Storage
from modelhub.web.preview import npy_array, npy_header, preview_png

MAX_BYTES = 64 * 1024 * 1024  # larger test tensors get no picture
MAX_SIDE = 384  # pixels a side of a picture
MAX_PIXELS = 64 * 1024 * 1024  # for PNG/TIFF decoding
_IMAGES = (".png", ".tif", ".tiff")
_NAME = re.compile(r"(test|sample)-(input|output)-(\d{1,3})")
_LETTERS = {"channel": "c", "batch": "b", "time": "t", "index": "i"}
_CACHE_BYTES = 32 * 1024 * 1024

_cache: OrderedDict[tuple[str, str], bytes | None] = OrderedDict()
_cache_bytes = 0
_lock = threading.Lock()


class SampleImage(BaseModel):
    name: str  # "test-input-0": the picture's name in its URL
    tensor: str
    url: str
    alt: str


class SampleSet(BaseModel):
    """Pictures of one kind of data ("test" or "sample"): inputs, then outputs."""

    kind: str
    inputs: list[SampleImage]
    outputs: list[SampleImage]


def tensor_letters(row: TensorRow) -> str:
    """The tensor's axes as letters ``preview_png`` knows: y, x, z, c, b, t, i (others: s)."""
    letters = []
    for axis in row.axes:
        if axis.id in ("x", "y", "z"):
            letters.append(axis.id)
        else:
            letters.append(_LETTERS.get(axis.type, _LETTERS.get(axis.id, "s")))
    return "".join(letters)


def _paths(rdf: dict[str, Any], kind: str, which: str) -> list[str | None]:
    """The package paths of the ``kind`` ("test"/"sample") files of ``which`` ("input"…)."""
    tensors = rdf.get(f"{which}s")
    count = len(tensors) if isinstance(tensors, list) else 0
    if str(rdf.get("format_version", "")).startswith("0.4"):
        listed = rdf.get(f"{kind}_{which}s")
        listed = listed if isinstance(listed, list) else []
        return [package_path(listed[i]) if i < len(listed) else None for i in range(count)]
    found: list[str | None] = []
    for tensor in tensors if isinstance(tensors, list) else []:
        entry = tensor.get(f"{kind}_tensor") if isinstance(tensor, dict) else None
        found.append(package_path(entry.get("source") if isinstance(entry, dict) else entry))
    return found


def _shown(entry: VersionFile, row: TensorRow, storage: Storage) -> bool:
    if entry.size > MAX_BYTES:
        return False
    if entry.path.lower().endswith(_IMAGES):
        return True
    if not entry.path.lower().endswith(".npy"):
        return False
    head = b"".join(storage.iter_bytes(entry.blob_sha256, 0, min(entry.size, 4096)))
    found = npy_header(head)
    letters = tensor_letters(row)
    return found is not None and len(found[0]) == len(letters) and {"x", "y"} <= set(letters)


def sample_sets(
    version: ResourceVersion,
    rows: dict[str, list[TensorRow]],
    *,
    storage: Storage,
) -> list[SampleSet]:
    """The pictures the card of ``version`` shows (``rows``: its "input" and "output" rows)."""
    rdf: dict[str, Any] = version.rdf if isinstance(version.rdf, dict) else {}
    files = {f.path: f for f in version.files}
    sets = []
    for kind in ("test", "sample"):
        found: dict[str, list[SampleImage]] = {"input": [], "output": []}
        for which, listed in found.items():
            for index, (path, row) in enumerate(
                zip(_paths(rdf, kind, which), rows[which], strict=False)
            ):
                entry = files.get(path) if path else None
                if entry is None or not _shown(entry, row, storage):
                    continue
                name = f"{kind}-{which}-{index}"
                listed.append(
                    SampleImage(
                        name=name,
                        tensor=row.name,
                        url=Links.sample_path(version.resource_id, version.label, name),
                        alt=f"{kind.capitalize()} {which} {row.name} of {version.name}",
                    )
                )
        if found["input"] or found["output"]:
            sets.append(SampleSet(kind=kind, inputs=found["input"], outputs=found["output"]))
    return sets


def sample_png(version: ResourceVersion, name: str, *, storage: Storage) -> bytes | None:
    """The PNG of the picture ``name`` ("test-input-0") of ``version``; None when there is
    none (no such tensor or file, or its bytes are no image this hub shows)."""
    match = _NAME.fullmatch(name)
    if match is None:
        return None
    kind, which, index = match.group(1), match.group(2), int(match.group(3))
    rdf: dict[str, Any] = version.rdf if isinstance(version.rdf, dict) else {}
    paths, tensors = _paths(rdf, kind, which), tensor_rows(rdf, f"{which}s", lambda _: None)
    if index >= min(len(paths), len(tensors)) or paths[index] is None:
        return None
    entry = next((f for f in version.files if f.path == paths[index]), None)
    if entry is None or entry.size > MAX_BYTES:
        return None
    letters = tensor_letters(tensors[index])
    key = (entry.blob_sha256, letters)
    with _lock:
        if key in _cache:
            _cache.move_to_end(key)
            return _cache[key]
    with storage.open(entry.blob_sha256) as stream:
        data = stream.read(MAX_BYTES + 1)
    png = _render(data, entry.path.lower(), letters)
    _remember(key, png)
    return png


def _render(data: bytes, path: str, letters: str) -> bytes | None:
    if len(data) > MAX_BYTES:
        return None
    try:
        if path.endswith(".npy"):
            array = npy_array(data)
            if array is None or array.ndim != len(letters):
                return None
            return preview_png(array, letters, max_side=MAX_SIDE)
        return preview_png(*_image(data), max_side=MAX_SIDE)
    except Exception:  # hostile bytes: whatever goes wrong, there is no picture
        return None


def _image(data: bytes) -> tuple[np.ndarray, str]:
    from PIL import Image

    with Image.open(io.BytesIO(data)) as image:
        if image.width * image.height > MAX_PIXELS:  # before decoding anything
            raise ValueError("image too large for a picture")
        shown = image if image.mode in ("L", "RGB", "I", "I;16", "F", "1") else image.convert("RGB")
        array = np.asarray(shown)
    return array, "yxc" if array.ndim == 3 else "yx"


def _remember(key: tuple[str, str], png: bytes | None) -> None:
    global _cache_bytes
    with _lock:
        if key in _cache:
            return
        _cache[key] = png
        _cache_bytes += len(png or b"")
        while len(_cache) > 1 and (_cache_bytes > _CACHE_BYTES or len(_cache) > 1024):
            _, dropped = _cache.popitem(last=False)
            _cache_bytes -= len(dropped or b"")
