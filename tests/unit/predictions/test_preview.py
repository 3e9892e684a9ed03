"""Previews: one plane, contrast stretched, strided down, never the whole image read."""

import io
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from modelhub.predictions.images import open_image
from modelhub.predictions.preview import planes, preview_png
from modelhub.web.preview import npy_array, npy_header


def _decoded(png: bytes) -> np.ndarray:
    with Image.open(io.BytesIO(png)) as image:
        return np.asarray(image)


def test_a_picked_plane_of_a_stack_is_stretched_and_strided(tmp_path: Path) -> None:
    stack = np.zeros((5, 2, 40, 30), np.uint16)  # z, c, y, x
    stack[3, 1] = np.arange(30, dtype=np.uint16) * 100  # a ramp along x in one plane only
    np.save(tmp_path / "s.npy", stack)
    image = open_image(tmp_path / "s.npy", file_name="s.npy")

    assert planes(image.shape, "zcyx") == {"z": 5, "c": 2}
    shown = _decoded(preview_png(image, "zcyx", pick={"z": 3, "c": 1}, max_side=20))

    assert shown.shape == (20, 15)  # every second pixel
    assert (shown[:, 0] == 0).all() and (shown[:, -1] == 255).all()
    assert (np.diff(shown[0].astype(int)) >= 0).all()
    # the default plane (middle z, first channel) is constant: black, no division by zero
    assert (_decoded(preview_png(image, "zcyx")) == 0).all()


def test_an_rgb_image_is_shown_in_colour() -> None:
    rgb = np.zeros((3, 8, 8), np.uint8)
    rgb[0] = 200

    shown = _decoded(preview_png(rgb, "cyx"))

    assert shown.shape == (8, 8, 3)
    assert (shown[..., 0] == 200).all() and (shown[..., 1:] == 0).all()


def test_a_pick_outside_the_image_is_refused() -> None:
    with pytest.raises(ValueError, match="z=9 is not a plane"):
        preview_png(np.zeros((2, 4, 4)), "zyx", pick={"z": 9})


@pytest.mark.dbless
def test_npy_decoding_refuses_pickles_and_garbage() -> None:
    buffer = io.BytesIO()
    np.save(buffer, np.array([{"run": "code"}], dtype=object), allow_pickle=True)
    assert npy_header(buffer.getvalue()[:4096]) is None and npy_array(buffer.getvalue()) is None
    assert npy_array(b"\x93NUMPY garbage") is None and npy_array(b"<html>") is None
    buffer = io.BytesIO()
    np.save(buffer, np.arange(12, dtype=np.uint16).reshape(3, 4))
    assert npy_header(buffer.getvalue()[:4096]) == ((3, 4), np.dtype(np.uint16))
    found = npy_array(buffer.getvalue())
    assert found is not None and found.shape == (3, 4)
    assert npy_array(buffer.getvalue()[:-4]) is None  # cut short
