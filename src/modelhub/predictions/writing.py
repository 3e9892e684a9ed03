"""Results written as they come, in bounded memory: NumPy `.npy`, OME-TIFF, or zipped OME-Zarr.

`OutputWriter` is created with the result's full shape, takes blocks for any region in any
order (`write(region, block)`), and finishes the file in `close()`:

- `npy`: a memory-mapped `.npy` (`np.lib.format.open_memmap`);
- `tiff`: an uncompressed OME-TIFF laid out contiguously and memory-mapped (`tifffile.memmap`),
  BigTIFF when it passes 2 GB, axes stored in OME order (`yxc` as `cyx`), so Fiji and OME
  readers open it with its axes;
- `zarr`: an OME-NGFF 0.4 image (Zarr format 2, compressed chunks) built in a folder beside
  the target and zipped into the target (`….ome.zarr.zip`, entries stored, not recompressed).

`convert` turns a finished `.npy` into a TIFF or a zipped OME-Zarr by copying slabs of at most
`max_bytes`, so results larger than memory convert too.
"""

from __future__ import annotations

import math
import os
import shutil
import zipfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any, Literal

import numpy as np

OutputFormat = Literal["npy", "tiff", "zarr"]
COPY_BYTES = 64 * 1024 * 1024  # a slab copied at a time by `convert`
_BIGTIFF_BYTES = 2**31  # classic TIFF offsets are 32-bit: switch to BigTIFF well before
_OME_ORDER = "bitczyx"
_TIFF_AXES = {"b": "Q", "i": "I", "t": "T", "c": "C", "z": "Z", "y": "Y", "x": "X"}
_NGFF_TYPES = {"t": "time", "c": "channel", "z": "space", "y": "space", "x": "space"}
_CHUNK_SIDE = 256  # zarr chunks: 256 along y and x (64 along z), one plane along other axes


class OutputWriter:
    """A result file written region by region; `close()` finishes it and returns its path."""

    def __init__(
        self,
        path: Path,
        *,
        shape: tuple[int, ...],
        dtype: np.dtype[Any] | type | str,
        axes: str,
        fmt: OutputFormat,
    ) -> None:
        if len(axes) != len(shape):
            raise ValueError(f"axes {axes!r} do not match shape {shape}")
        self.path = path
        self.shape = tuple(int(n) for n in shape)
        self.dtype = np.dtype(dtype)
        self.axes = axes
        self.fmt = fmt
        self._folder: Path | None = None
        self._array: Any
        if fmt == "npy":
            self._array = np.lib.format.open_memmap(path, mode="w+", dtype=self.dtype, shape=shape)
        elif fmt == "tiff":
            self._array = _tiff_memmap(path, self.shape, self.dtype, axes)
        elif fmt == "zarr":
            self._folder = path.with_name(path.name + ".parts")
            self._array = _zarr_array(self._folder, self.shape, self.dtype, axes)
        else:
            raise ValueError(f"unknown output format {fmt!r}")

    def write(self, region: tuple[slice, ...], block: np.ndarray) -> None:
        """Put `block` at `region` (one slice per axis)."""
        self._array[region] = block

    def close(self) -> Path:
        """Finish the file (flush, or zip the Zarr folder) and return its path."""
        if isinstance(self._array, np.memmap):
            self._array.flush()  # a transposed view flushes its whole file
        self._array = None
        if self._folder is not None:
            _zip_folder(self._folder, self.path)
            shutil.rmtree(self._folder, ignore_errors=True)
            self._folder = None
        return self.path

    def abort(self) -> None:
        """Drop an unfinished result: its working folder and the partial file."""
        self._array = None
        if self._folder is not None:
            shutil.rmtree(self._folder, ignore_errors=True)
        self.path.unlink(missing_ok=True)


def _tiff_memmap(path: Path, shape: tuple[int, ...], dtype: np.dtype[Any], axes: str) -> Any:
    """A memory-mapped OME-TIFF with the axes in OME order (y, x last: planes), seen through a
    transposed view in the writer's order, so that `yxc` results are stored as `cyx` planes."""
    import tifffile

    order = sorted(range(len(axes)), key=lambda i: _OME_ORDER.find(axes[i]))
    stored = tuple(shape[i] for i in order)
    big = math.prod(shape) * dtype.itemsize > _BIGTIFF_BYTES
    letters = "".join(_TIFF_AXES.get(axes[i], "Q") for i in order)
    array = tifffile.memmap(
        path,
        shape=stored,
        dtype=dtype,
        bigtiff=big,
        ome=True,
        photometric="minisblack",
        metadata={"axes": letters},
    )
    return array.transpose(np.argsort(order))


def ngff_metadata(axes: str) -> dict[str, Any]:
    """OME-NGFF 0.4 `multiscales` attributes of a single-resolution image with these axes."""
    named = [{"name": a, "type": _NGFF_TYPES[a]} if a in _NGFF_TYPES else {"name": a} for a in axes]
    scale = {"type": "scale", "scale": [1.0] * len(axes)}
    return {
        "multiscales": [
            {
                "version": "0.4",
                "name": "prediction",
                "axes": named,
                "datasets": [{"path": "0", "coordinateTransformations": [scale]}],
            }
        ]
    }


def _zarr_array(folder: Path, shape: tuple[int, ...], dtype: np.dtype[Any], axes: str) -> Any:
    import zarr

    shutil.rmtree(folder, ignore_errors=True)
    group = zarr.open_group(zarr.storage.LocalStore(folder), mode="w", zarr_format=2)
    group.attrs.update(ngff_metadata(axes))
    chunks = tuple(
        min(n, _CHUNK_SIDE if a in "yx" else 64 if a == "z" else 1)
        for a, n in zip(axes, shape, strict=True)
    )
    return group.create_array("0", shape=shape, dtype=dtype, chunks=chunks, fill_value=0)


def _zip_folder(folder: Path, target: Path) -> None:
    """Zip `folder` as `<target name without .zip>/…` (chunks are compressed already)."""
    top = target.name.removesuffix(".zip")
    with zipfile.ZipFile(target, "w", compression=zipfile.ZIP_STORED, allowZip64=True) as archive:
        for dirpath, _dirs, files in os.walk(folder):
            for name in sorted(files):
                path = Path(dirpath) / name
                archive.write(path, f"{top}/{path.relative_to(folder).as_posix()}")


def slabs(shape: tuple[int, ...], itemsize: int, max_bytes: int) -> Iterator[tuple[slice, ...]]:
    """Regions covering `shape`, each at most `max_bytes` (or one row of the last axis)."""
    ndim = len(shape)
    split = 0
    while split < ndim - 1 and math.prod(shape[split + 1 :]) * itemsize > max_bytes:
        split += 1
    inner = math.prod(shape[split + 1 :]) * itemsize
    step = max(1, max_bytes // max(inner, 1))
    for index in np.ndindex(*shape[:split]):
        for start in range(0, shape[split], step):
            lead = tuple(slice(i, i + 1) for i in index)
            yield (*lead, slice(start, min(start + step, shape[split])))


def convert(
    npy_path: Path,
    fmt: Literal["tiff", "zarr"],
    target: Path,
    axes: str,
    *,
    max_bytes: int = COPY_BYTES,
) -> Path:
    """Copy the `.npy` at `npy_path` into `target` as TIFF or zipped OME-Zarr; returns `target`.

    Memory holds one slab of at most `max_bytes` at a time.
    """
    source = np.load(npy_path, mmap_mode="r", allow_pickle=False)
    if source.ndim == 0:
        raise ValueError("a result without axes cannot be converted")
    writer = OutputWriter(target, shape=source.shape, dtype=source.dtype, axes=axes, fmt=fmt)
    try:
        for region in slabs(source.shape, source.dtype.itemsize, max_bytes):
            writer.write(region, np.asarray(source[region]))
    except BaseException:
        writer.abort()
        raise
    return writer.close()
