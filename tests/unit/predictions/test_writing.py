"""Results written block by block and converted in slabs, read back as images."""

import zipfile
from pathlib import Path
from typing import Literal

import numpy as np
import pytest

from modelhub.predictions.images import open_image
from modelhub.predictions.writing import OutputFormat, OutputWriter, convert, slabs

RESULT = np.random.default_rng(3).random((2, 3, 20, 30), dtype=np.float32)  # c, z, y, x


@pytest.mark.parametrize("fmt", ["npy", "tiff", "zarr"])
def test_blocks_written_in_any_order_make_the_whole_result(
    tmp_path: Path, fmt: OutputFormat
) -> None:
    name = {"npy": "out.npy", "tiff": "out.tif", "zarr": "out.ome.zarr.zip"}[fmt]
    writer = OutputWriter(
        tmp_path / name, shape=RESULT.shape, dtype=np.float32, axes="czyx", fmt=fmt
    )
    for y in (10, 0):  # the lower half first
        region = (slice(None), slice(None), slice(y, y + 10), slice(None))
        writer.write(region, RESULT[region])

    path = writer.close()

    assert sorted(p.name for p in tmp_path.iterdir()) == [name]
    image = open_image(path, file_name=name)
    assert (image.shape, image.axes_hint if fmt != "npy" else "czyx") == (RESULT.shape, "czyx")
    np.testing.assert_array_equal(image.read((slice(None),) * 4), RESULT)


@pytest.mark.parametrize(("fmt", "name"), [("tiff", "r.tif"), ("zarr", "r.ome.zarr.zip")])
def test_convert_copies_a_npy_in_small_slabs(
    tmp_path: Path, fmt: Literal["tiff", "zarr"], name: str
) -> None:
    np.save(tmp_path / "r.npy", RESULT)

    path = convert(tmp_path / "r.npy", fmt, tmp_path / name, "czyx", max_bytes=1000)

    image = open_image(path, file_name=name)
    assert image.axes_hint == "czyx"
    np.testing.assert_array_equal(image.read((slice(None),) * 4), RESULT)
    if fmt == "zarr":
        with zipfile.ZipFile(path) as archive:
            assert "r.ome.zarr/.zattrs" in archive.namelist()


def test_slabs_cover_the_array_once_within_the_byte_limit() -> None:
    seen = np.zeros(RESULT.shape, np.int8)
    for region in slabs(RESULT.shape, 4, 1000):
        assert seen[region].size * 4 <= 1000
        seen[region] += 1

    assert (seen == 1).all()
