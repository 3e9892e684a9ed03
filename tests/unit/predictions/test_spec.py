"""A model's tensors and axes as the predictions code sees them (0.4 read in the 0.5 view)."""

from pathlib import Path

import pytest
import yaml

from modelhub.predictions.spec import AxisSpec, ModelIOError, read_model_io


def test_the_unet_has_fixed_inputs_and_outputs_with_a_halo(shared_model_dir: Path) -> None:
    model = read_model_io(shared_model_dir)

    assert (model.format_version, model.weight_formats) == ("0.5.4", ("onnx", "torchscript"))
    [raw] = model.inputs
    assert (raw.id, raw.axis_ids, raw.data_type) == ("raw", "bcyx", "float32")
    assert (raw.test_file, raw.sample_file) == ("test_input.npy", "test_input.png")
    assert raw.axes[1] == AxisSpec(
        "c", "channel", 1, None, None, None, channel_names=("raw_intensity",)
    )
    assert raw.axes[2] == AxisSpec("y", "space", 512, None, None, None)
    [out] = model.outputs
    assert out.axes[3] == AxisSpec("x", "space", None, None, None, ("raw", "x"), halo=32)
    assert out.axes[0] == AxisSpec("b", "batch", None, None, None, None)


def test_a_0_4_model_is_read_with_0_5_axes(model_0_4: Path) -> None:
    model = read_model_io(model_0_4)

    assert (model.format_version, model.weight_formats) == (
        "0.4.9",
        ("pytorch_state_dict", "torchscript"),
    )
    [raw] = model.inputs
    assert raw.axis_ids == "bcyx"
    assert raw.axes[2] == AxisSpec("y", "space", None, 16, 8, None)
    assert raw.axes[1].size == 1
    [out] = model.outputs
    assert (out.id, out.test_file) == ("probability", "test_output.npy")
    assert out.axes[2] == AxisSpec("y", "space", None, None, None, ("raw", "y"), halo=2)


def _write(folder: Path, rdf: object, name: str = "rdf.yaml") -> Path:
    folder.mkdir()
    (folder / name).write_text(yaml.safe_dump(rdf))
    return folder


@pytest.mark.parametrize(
    ("rdf", "words"),
    [
        ({"type": "dataset", "format_version": "0.3.0", "name": "x"}, "a dataset, not a model"),
        (["a", "list"], "not a mapping"),
        ({"type": "model", "format_version": "0.5.4", "name": "broken"}, "not a valid"),
    ],
)
def test_what_is_not_a_readable_model_is_refused_in_words(
    tmp_path: Path, rdf: object, words: str
) -> None:
    with pytest.raises(ModelIOError, match=words):
        read_model_io(_write(tmp_path / "pkg", rdf))


def test_a_folder_without_a_description_is_refused(tmp_path: Path) -> None:
    with pytest.raises(ModelIOError, match=r"no rdf\.yaml or bioimageio\.yaml"):
        read_model_io(tmp_path)
