"""Image axes guessed with reasons, checked against real models, and arranged for them."""

import re
from pathlib import Path

import numpy as np
import pytest
import tifffile

from modelhub.predictions.axes import (
    arrange,
    check_axes,
    guess_axes,
    model_sizes,
    read_model_block,
    restore,
)
from modelhub.predictions.images import ImageProblem, ImageSource, open_image
from modelhub.predictions.spec import TensorSpec, read_model_io


@pytest.fixture(scope="module")
def unet(shared_model_dir: Path) -> TensorSpec:
    return read_model_io(shared_model_dir).inputs[0]


@pytest.fixture(scope="module")
def tiny(model_0_4: Path) -> TensorSpec:
    return read_model_io(model_0_4).inputs[0]


def _npy(tmp_path: Path, array: np.ndarray) -> ImageSource:
    np.save(tmp_path / "image.npy", array)
    return open_image(tmp_path / "image.npy", file_name="image.npy")


def test_a_2d_image_for_the_unet(tmp_path: Path, unet: TensorSpec) -> None:
    pixels = np.arange(512 * 512, dtype=np.float32).reshape(512, 512)
    image = _npy(tmp_path, pixels)

    guess = guess_axes(image, unet)

    assert guess.axes == "yx"
    assert guess.explanation == (
        "The image is 2-D (512×512): read as y, x.",
        "The model wants 1 channel (raw_intensity): added.",
    )
    check_axes(guess.axes, image, unet)
    block = read_model_block(image, "yx", unet, {"y": slice(10, 20)})
    assert block.shape == (1, 1, 10, 512)
    np.testing.assert_array_equal(block[0, 0], pixels[10:20])
    assert model_sizes("yx", image.shape, unet) == {"b": 1, "c": 1, "y": 512, "x": 512}


def test_a_colour_image_is_refused_by_a_one_channel_model(tmp_path: Path, unet: TensorSpec) -> None:
    image = _npy(tmp_path, np.zeros((64, 48, 3), np.uint8))

    guess = guess_axes(image, unet)
    with pytest.raises(ImageProblem) as caught:
        check_axes(guess.axes, image, unet)

    assert guess.axes == "yxc"
    assert (caught.value.code, caught.value.field) == ("wrong_channel_count", "axes")
    assert caught.value.message == (
        "The model wants 1 channel (raw_intensity); this image has 3. "
        "Convert it to greyscale, or pick one channel."
    )


@pytest.mark.parametrize(
    ("axes", "words"),
    [
        ("yx", "2 axis letters (yx) were given for an image of 3 dimensions (shape 5×40×48)"),
        ("yyx", "y appears twice"),
        ("qyx", "Unknown axis letter q"),
        ("zyx", "The model takes no z axis (it takes b, c, y, x), but this image has 5 along z"),
    ],
    ids=["count", "twice", "unknown", "absent-from-model"],
)
def test_letters_that_do_not_fit_are_refused(
    tmp_path: Path, tiny: TensorSpec, axes: str, words: str
) -> None:
    image = _npy(tmp_path, np.zeros((5, 40, 48), np.float32))

    with pytest.raises(ImageProblem, match=re.escape(words)) as caught:
        check_axes(axes, image, tiny)

    assert caught.value.code == "axes_mismatch"


def test_an_ome_stack_is_read_by_its_metadata_and_refused_by_a_2d_model(
    tmp_path: Path, tiny: TensorSpec
) -> None:
    path = tmp_path / "stack.tif"
    tifffile.imwrite(path, np.zeros((2, 40, 48), np.uint16), ome=True, metadata={"axes": "ZYX"})
    image = open_image(path, file_name="stack.tif")

    guess = guess_axes(image, tiny)
    with pytest.raises(ImageProblem) as caught:
        check_axes(guess.axes, image, tiny)

    assert guess.explanation == (
        "The file's metadata names its axes (2×40×48): read as z, y, x.",
        "The model wants 1 channel (channel0): added.",
    )
    assert caught.value.code == "axes_mismatch"


def test_small_images_pass_the_check_the_engine_pads_them(tmp_path: Path, tiny: TensorSpec) -> None:
    pixels = np.arange(9 * 7, dtype=np.float32).reshape(1, 9, 7)
    image = _npy(tmp_path, pixels)

    guess = guess_axes(image, tiny)
    check_axes(guess.axes, image, tiny)

    assert guess.axes == "cyx"
    arranged = arrange(image.read((slice(None),) * 3), guess.axes, tiny)
    assert arranged.shape == (1, 1, 9, 7)
    np.testing.assert_array_equal(arranged[0], pixels)


def test_outputs_come_back_in_the_image_style() -> None:
    output = np.arange(2 * 5 * 6).reshape(1, 2, 5, 6)

    assert restore(output[:, :1], "bcyx", "yx")[1] == "yx"
    two, axes = restore(output, "bcyx", "yxc")
    assert (axes, two.shape) == ("yxc", (5, 6, 2))
    np.testing.assert_array_equal(two[..., 1], output[0, 1])
    assert restore(output, "bcyx", "yx")[1] == "cyx"
