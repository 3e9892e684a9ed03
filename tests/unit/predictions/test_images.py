"""People's images opened by their bytes, read region by region, and refused in plain words."""

import shutil
import zipfile
from pathlib import Path

import numpy as np
import pytest
import tifffile
import zarr
from PIL import Image

from modelhub.predictions.images import ImageProblem, open_image
from modelhub.predictions.writing import ngff_metadata

RNG = np.random.default_rng(7)
STACK = RNG.integers(0, 4000, size=(5, 20, 24), dtype=np.uint16)  # z, y, x


def _ome_zarr(folder: Path, data: np.ndarray, axes: str) -> Path:
    group = zarr.open_group(zarr.storage.LocalStore(folder), mode="w", zarr_format=2)
    group.attrs.update(ngff_metadata(axes))
    chunks = tuple(min(n, 8) for n in data.shape)
    group.create_array("0", shape=data.shape, dtype=data.dtype, chunks=chunks)[...] = data
    return folder


def test_a_3d_ome_tiff_is_read_lazily_with_its_axes(tmp_path: Path) -> None:
    path = tmp_path / "upload"
    tifffile.imwrite(path, STACK, ome=True, metadata={"axes": "ZYX"})

    image = open_image(path, file_name="stack.ome.tif")

    assert (image.format, image.shape, image.dtype, image.axes_hint) == (
        "tiff",
        (5, 20, 24),
        np.dtype(np.uint16),
        "zyx",
    )
    np.testing.assert_array_equal(
        image.read((slice(1, 2), slice(5, 9), slice(0, 3))), STACK[1:2, 5:9, :3]
    )


def test_a_plain_multipage_tiff_has_no_axes_hint(tmp_path: Path) -> None:
    path = tmp_path / "upload"
    tifffile.imwrite(path, STACK)

    image = open_image(path, file_name="plain.tif")

    assert (image.shape, image.axes_hint) == ((5, 20, 24), None)


@pytest.mark.parametrize(
    ("pixels", "mode", "shape", "hint", "dtype"),
    [
        (STACK[0].astype(np.uint8), "L", (20, 24), "yx", np.uint8),
        (STACK[0], "I;16", (20, 24), "yx", np.uint16),
        (RNG.integers(0, 255, (20, 24, 3), dtype=np.uint8), "RGB", (20, 24, 3), "yxc", np.uint8),
        (RNG.integers(0, 255, (20, 24, 4), dtype=np.uint8), "RGBA", (20, 24, 3), "yxc", np.uint8),
    ],
)
def test_pngs_are_grey_or_rgb(
    tmp_path: Path,
    pixels: np.ndarray,
    mode: str,
    shape: tuple[int, ...],
    hint: str,
    dtype: type,
) -> None:
    path = tmp_path / "upload"
    Image.fromarray(pixels).save(path, format="PNG")
    with Image.open(path) as written:
        assert written.mode == mode

    image = open_image(path, file_name="picture.png")

    assert (image.format, image.shape, image.axes_hint) == ("png", shape, hint)
    assert image.dtype == np.dtype(dtype)
    whole = image.read((slice(None),) * len(shape))
    np.testing.assert_array_equal(whole, pixels[..., :3] if mode == "RGBA" else pixels)


def test_npy_is_memory_mapped_under_a_long_name(tmp_path: Path) -> None:
    path = tmp_path / "upload"
    np.save(path.with_suffix(".npy"), STACK.astype(np.float32))
    name = "a very long name " * 12 + ".npy"

    image = open_image(path.with_suffix(".npy"), file_name=name, max_pixels=STACK.size)

    assert (image.format, image.shape, image.axes_hint) == ("npy", (5, 20, 24), None)
    np.testing.assert_array_equal(image.read((slice(2, 3),) * 3), STACK[2:3, 2:3, 2:3])


def test_a_5d_ome_zarr_is_read_from_its_zip_and_its_folder(tmp_path: Path) -> None:
    data = RNG.random((2, 2, 3, 16, 12), dtype=np.float32)
    folder = _ome_zarr(tmp_path / "cells.ome.zarr", data, "tczyx")
    archive = Path(shutil.make_archive(str(tmp_path / "cells"), "zip", tmp_path, "cells.ome.zarr"))
    region = (slice(1, 2), slice(0, 2), slice(2, 3), slice(4, 12), slice(3, 5))

    for path in (archive, folder):
        image = open_image(path, file_name=path.name)
        assert (image.format, image.shape, image.axes_hint) == ("zarr", data.shape, "tczyx")
        np.testing.assert_array_equal(image.read(region), data[region])


def _problem(path: Path, name: str, max_pixels: int | None = None) -> ImageProblem:
    with pytest.raises(ImageProblem) as caught:
        open_image(path, file_name=name, max_pixels=max_pixels)
    return caught.value


def test_damaged_and_foreign_files_are_refused(tmp_path: Path) -> None:
    tiff = tmp_path / "whole.tif"
    tifffile.imwrite(tiff, STACK)
    truncated = tmp_path / "cut"
    truncated.write_bytes(tiff.read_bytes()[: tiff.stat().st_size // 2])
    text = tmp_path / "text"
    text.write_text("these are my notes, not an image\n")
    other_zip = tmp_path / "other.zip"
    with zipfile.ZipFile(other_zip, "w") as archive:
        archive.writestr("notes.txt", "hello")

    cut = _problem(truncated, "cells.tif")
    assert (cut.code, cut.field) == ("unreadable_image", None)
    assert "cut short" in cut.message
    renamed = _problem(text, "cells.tif")
    assert renamed.code == "unreadable_image"
    assert renamed.message.startswith("cells.tif is named like a TIFF file but does not start")
    assert _problem(text, "notes.txt").code == "unsupported_image"
    assert _problem(other_zip, "other.zip").code == "unsupported_image"


def test_images_over_the_pixel_limit_are_refused(tmp_path: Path) -> None:
    path = tmp_path / "big.tif"
    tifffile.imwrite(path, STACK)

    problem = _problem(path, "big.tif", max_pixels=1000)

    assert problem.code == "image_too_large"
    assert problem.message.startswith("big.tif has 2,400 pixels (shape 5×20×24)")


def test_a_compressed_tiff_is_read_page_by_page(tmp_path: Path) -> None:
    path = tmp_path / "packed.tif"
    tifffile.imwrite(path, STACK, compression="zlib", photometric="minisblack")

    image = open_image(path, file_name="packed.tif")

    np.testing.assert_array_equal(
        image.read((slice(4, 5), slice(0, 20, 3), slice(None))), STACK[4:5, ::3]
    )
