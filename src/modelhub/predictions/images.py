"""People's images, opened lazily: TIFF (OME and ImageJ too), PNG, NPY and OME-Zarr.

`open_image` decides the format from the file's first bytes (the name only words the messages),
checks the size, and returns an `ImageSource`: its shape, dtype and the axes its metadata names
(`axes_hint`), and `read(region)` for a part of it. Reading a region never loads the whole
image, except for PNG, which can only be decoded whole (and is small by nature).

Every refusal is an `ImageProblem` with a stable code and a message a biologist understands.
"""

from __future__ import annotations

import json
import math
import warnings
import zipfile
from collections.abc import Callable
from pathlib import Path
from typing import Any, Protocol

import numpy as np


class ImageProblem(Exception):
    """An image the hub cannot use: `code` is stable, `message` in plain words, `field` the form
    field it concerns (None for the image itself)."""

    def __init__(self, code: str, message: str, field: str | None = None) -> None:
        super().__init__(message)
        self.code = code
        self.message = message
        self.field = field


class ImageSource(Protocol):
    """An opened image; reading a region never loads the whole image."""

    shape: tuple[int, ...]
    dtype: np.dtype[Any]
    axes_hint: str | None  # e.g. "tczyx" from OME metadata, "yxc" for RGB png
    format: str  # "tiff" | "png" | "npy" | "zarr"

    def read(self, region: tuple[slice, ...]) -> np.ndarray: ...


_TIFF_MAGIC = (b"II*\x00", b"MM\x00*", b"II+\x00", b"MM\x00+")
_PNG_MAGIC = b"\x89PNG\r\n\x1a\n"
_NPY_MAGIC = b"\x93NUMPY"
_ZIP_MAGIC = (b"PK\x03\x04", b"PK\x05\x06")
_NAMED = {".tif": "TIFF", ".tiff": "TIFF", ".png": "PNG", ".npy": "NPY", ".zip": "zip"}
# tifffile's axis letters; S (samples: RGB) is a channel axis, Q/I/others unknown
_TIFF_AXES = {"T": "t", "Z": "z", "C": "c", "S": "c", "Y": "y", "X": "x"}
SUPPORTED = "TIFF (.tif), PNG (.png), NumPy (.npy) or OME-Zarr (a .ome.zarr folder, zipped)"


def shape_text(shape: tuple[int, ...]) -> str:
    """A shape as people write it: (3, 20, 512) as 3, 20 and 512 joined by multiplication signs."""
    return "×".join(str(n) for n in shape)


def open_image(path: Path, *, file_name: str, max_pixels: int | None = None) -> ImageSource:
    """Open the image at `path` (uploaded as `file_name`) without reading its pixels.

    Raises `ImageProblem`: `unsupported_image` (not a format the hub reads), `unreadable_image`
    (damaged, or not what its name says), `image_too_large` (more than `max_pixels` pixels).
    """
    if path.is_dir():
        source: ImageSource = ZarrSource.open_folder(path, file_name)
    else:
        source = _open_file(path, file_name)
    pixels = math.prod(source.shape)
    if max_pixels is not None and pixels > max_pixels:
        raise ImageProblem(
            "image_too_large",
            f"{file_name} has {pixels:,} pixels (shape {shape_text(source.shape)}); the hub "
            f"runs models on images of at most {max_pixels:,} pixels. Crop it, or use a "
            "smaller part of it.",
        )
    if source.dtype.kind not in "biuf":
        raise ImageProblem(
            "unsupported_image",
            f"{file_name} holds values of type {source.dtype}; models take numbers "
            "(integers or floating point).",
        )
    return source


def _open_file(path: Path, file_name: str) -> ImageSource:
    try:
        with path.open("rb") as f:
            head = f.read(8)
    except OSError as exc:
        raise ImageProblem("unreadable_image", f"{file_name} cannot be read ({exc}).") from None
    try:
        if head.startswith(_TIFF_MAGIC):
            return TiffSource(path, file_name)
        if head.startswith(_PNG_MAGIC):
            return PngSource(path, file_name)
        if head.startswith(_NPY_MAGIC):
            return NpySource(path, file_name)
        if head.startswith(_ZIP_MAGIC):
            return ZarrSource.open_zip(path, file_name)
    except ImageProblem:
        raise
    except (OSError, ValueError, EOFError, zipfile.BadZipFile, KeyError, IndexError) as exc:
        raise ImageProblem(
            "unreadable_image", f"{file_name} looks damaged and cannot be read ({exc})."
        ) from None
    claimed = _NAMED.get(Path(file_name).suffix.lower())
    if claimed is not None:
        raise ImageProblem(
            "unreadable_image",
            f"{file_name} is named like a {claimed} file but does not start like one: "
            "it may be damaged, or be another kind of file renamed.",
        )
    raise ImageProblem(
        "unsupported_image", f"{file_name} is not an image the hub can read. Use {SUPPORTED}."
    )


def unreadable(file_name: str, exc: BaseException) -> ImageProblem:
    """The problem of a region that could not be read (a damaged or truncated file)."""
    return ImageProblem(
        "unreadable_image",
        f"Part of {file_name} cannot be read; the file looks damaged or cut short ({exc}).",
    )


class TiffSource:
    """A TIFF's first series: memory-mapped when its pixels lie uncompressed in one block,
    otherwise read page by page (or tile by tile) through tifffile's zarr view."""

    format = "tiff"

    def __init__(self, path: Path, file_name: str) -> None:
        import tifffile

        self.path = path
        self.file_name = file_name
        with tifffile.TiffFile(path) as tif:
            if not tif.series:
                raise ImageProblem("unreadable_image", f"{file_name} holds no image.")
            series = tif.series[0]
            self.shape: tuple[int, ...] = tuple(int(n) for n in series.shape)
            self.dtype: np.dtype[Any] = np.dtype(series.dtype)
            self.axes_hint = _tiff_axes(str(series.axes))
            _check_complete(series, path.stat().st_size, file_name)
            contiguous = series.dataoffset is not None
        # uncompressed pixels in one block (tifffile's, ImageJ's, many microscopes'): mapped
        self._mapped: np.ndarray | None = None
        if contiguous:
            try:
                mapped = tifffile.memmap(path, mode="r")
            except (OSError, ValueError):
                mapped = None
            if mapped is not None and tuple(mapped.shape) == self.shape:
                self._mapped = mapped

    def read(self, region: tuple[slice, ...]) -> np.ndarray:
        """The pixels of `region` (one slice per axis)."""
        import tifffile
        import zarr

        if self._mapped is not None:
            return np.array(self._mapped[region])
        try:
            with tifffile.TiffFile(self.path) as tif:
                store = tif.series[0].aszarr()
                array = zarr.open_array(store, mode="r")
                return np.asarray(array[region])
        except (OSError, ValueError, tifffile.TiffFileError) as exc:
            raise unreadable(self.file_name, exc) from None


def _tiff_axes(axes: str) -> str | None:
    letters = [_TIFF_AXES.get(a) for a in axes]
    if any(a is None for a in letters) or len(set(letters)) != len(letters):
        return None  # unknown (Q, I: a plain multi-page TIFF) or two channel-like axes
    return "".join(a for a in letters if a is not None)


def _check_complete(series: Any, size: int, file_name: str) -> None:
    """Refuse a TIFF cut short: its pixel data (contiguous, or the last page's) must end inside
    the file."""
    try:
        if series.dataoffset is not None:  # one contiguous block: tifffile's own files, ImageJ
            end = int(series.dataoffset) + int(series.size) * np.dtype(series.dtype).itemsize
        else:
            last = series.pages[-1]
            end = max(
                (
                    int(o) + int(c)
                    for o, c in zip(last.dataoffsets, last.databytecounts, strict=False)
                ),
                default=0,
            )
    except (AttributeError, IndexError, TypeError, ValueError):
        return
    if end > size:
        raise ImageProblem(
            "unreadable_image",
            f"{file_name} is cut short: its image data ends after the end of the file. "
            "Upload the complete file.",
        )


class PngSource:
    """A PNG: grey (8 or 16 bit) as `yx`, colour as `yxc` (RGB; alpha dropped)."""

    format = "png"

    def __init__(self, path: Path, file_name: str) -> None:
        from PIL import Image

        self.path = path
        self.file_name = file_name
        self._pixels: np.ndarray | None = None
        with Image.open(path) as image:
            width, height = image.size
            self._mode = image.mode
        grey = self._mode in ("1", "L", "LA", "I", "I;16", "I;16B", "F")
        self.shape: tuple[int, ...] = (height, width) if grey else (height, width, 3)
        self.axes_hint: str | None = "yx" if grey else "yxc"
        self.dtype: np.dtype[Any] = np.dtype(
            np.uint16
            if self._mode.startswith("I;16")
            else np.int32
            if self._mode == "I"
            else np.uint8
        )

    def _load(self) -> np.ndarray:
        from PIL import Image

        if self._pixels is None:
            try:
                with warnings.catch_warnings():
                    # the hub checked the pixel count itself (max_pixels)
                    warnings.simplefilter("ignore", Image.DecompressionBombWarning)
                    with Image.open(self.path) as opened:
                        image: Image.Image = opened
                        if self.axes_hint == "yxc":
                            image = opened.convert("RGB")  # RGBA, P (palette), CMYK…
                        elif self._mode in ("1", "LA"):
                            image = opened.convert("L")
                        self._pixels = np.asarray(image).astype(self.dtype, copy=False)
            except (OSError, ValueError, Image.DecompressionBombError) as exc:
                raise unreadable(self.file_name, exc) from None
        return self._pixels

    def read(self, region: tuple[slice, ...]) -> np.ndarray:
        """The pixels of `region` (the PNG is decoded once, on the first read)."""
        return np.array(self._load()[region])


class NpySource:
    """A NumPy `.npy` file, memory-mapped (never unpickled)."""

    format = "npy"
    axes_hint: str | None = None

    def __init__(self, path: Path, file_name: str) -> None:
        self.file_name = file_name
        self._array = np.load(path, mmap_mode="r", allow_pickle=False)
        self.shape: tuple[int, ...] = tuple(int(n) for n in self._array.shape)
        self.dtype: np.dtype[Any] = self._array.dtype

    def read(self, region: tuple[slice, ...]) -> np.ndarray:
        """The values of `region`, copied out of the mapped file."""
        return np.array(self._array[region])


class ZarrSource:
    """The full-resolution array of an OME-Zarr image (`multiscales[0].datasets[0]`), read
    chunk by chunk from a folder or straight out of a zip (nothing is unpacked)."""

    format = "zarr"

    def __init__(self, array: Any, axes_hint: str | None, file_name: str) -> None:
        self._array = array
        self.file_name = file_name
        self.shape: tuple[int, ...] = tuple(int(n) for n in array.shape)
        self.dtype: np.dtype[Any] = np.dtype(array.dtype)
        self.axes_hint = axes_hint

    @classmethod
    def open_folder(cls, path: Path, file_name: str) -> ZarrSource:
        """An `.ome.zarr` folder (its root or the folder holding it)."""
        import zarr

        names = [p.relative_to(path).as_posix() for p in path.rglob("*") if p.is_file()]
        found = _find_multiscales(lambda n: (path / n).read_bytes(), names, file_name)
        return cls._open(zarr.storage.LocalStore(path, read_only=True), found, file_name)

    @classmethod
    def open_zip(cls, path: Path, file_name: str) -> ZarrSource:
        """A zip of an `.ome.zarr` folder."""
        import zarr

        with zipfile.ZipFile(path) as archive:
            found = _find_multiscales(archive.read, archive.namelist(), file_name)
        return cls._open(zarr.storage.ZipStore(path, mode="r"), found, file_name)

    @classmethod
    def _open(cls, store: Any, found: tuple[str, list[Any]], file_name: str) -> ZarrSource:
        import zarr

        root, multiscales = found
        try:
            group = zarr.open_group(store, path=root, mode="r")
            array = group[str(multiscales[0]["datasets"][0]["path"])]
        except (KeyError, IndexError, TypeError, ValueError) as exc:
            raise ImageProblem(
                "unreadable_image",
                f"{file_name}: the first resolution level of this OME-Zarr image cannot be "
                f"opened ({exc}).",
            ) from None
        if not isinstance(array, zarr.Array):
            raise ImageProblem(
                "unreadable_image", f"{file_name}: its first dataset is not an array."
            )
        return cls(array, _ngff_axes(multiscales[0].get("axes"), len(array.shape)), file_name)

    def read(self, region: tuple[slice, ...]) -> np.ndarray:
        """The values of `region`; only the chunks it touches are read."""
        try:
            return np.asarray(self._array[region])
        except (OSError, ValueError, KeyError) as exc:
            raise unreadable(self.file_name, exc) from None


def _find_multiscales(
    read: Callable[[str], bytes], names: list[str], file_name: str
) -> tuple[str, list[Any]]:
    """The group path holding OME-NGFF `multiscales` (0.4: `.zattrs`; 0.5: `zarr.json`)."""
    candidates = sorted(
        (n for n in names if n.rsplit("/", 1)[-1] in (".zattrs", "zarr.json")),
        key=lambda n: n.count("/"),
    )
    for name in candidates:
        try:
            attributes = json.loads(read(name))
        except (OSError, ValueError, UnicodeError, KeyError):
            continue
        if name.endswith("zarr.json"):
            attributes = attributes.get("attributes", {}) if isinstance(attributes, dict) else {}
            attributes = attributes.get("ome", attributes)
        multiscales = attributes.get("multiscales") if isinstance(attributes, dict) else None
        if isinstance(multiscales, list) and multiscales:
            return name.rpartition("/")[0], multiscales
    raise ImageProblem(
        "unsupported_image",
        f"{file_name} holds no OME-Zarr image (no multiscales metadata found). Zip the whole "
        f".ome.zarr folder, or use {SUPPORTED}.",
    )


def _ngff_axes(axes: Any, ndim: int) -> str | None:
    """OME-NGFF axes (names, or `{"name": …}` from 0.4 on) as our letters, when they fit."""
    if not isinstance(axes, list) or len(axes) != ndim:
        return None
    names = [str(a.get("name", "")) if isinstance(a, dict) else str(a) for a in axes]
    letters = [n.lower()[:1] for n in names]
    if any(letter not in "tczyx" or not letter for letter in letters) or len(set(letters)) != ndim:
        return None
    return "".join(letters)
