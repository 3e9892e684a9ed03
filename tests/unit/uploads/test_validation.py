"""Package validation: the hub's rules on top of bioimageio.spec, with real descriptions."""

from __future__ import annotations

import hashlib
import shutil
import socket
import zipfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import pytest
import yaml

from modelhub.errors import ErrorDetail, UploadRefused
from modelhub.uploads.archive import PackageFile, UnpackLimits, scan_directory
from modelhub.uploads.messages import warning_detail
from modelhub.uploads.validation import (
    ValidatedPackage,
    find_description,
    validate_package,
    validate_path,
)

Edit = Callable[[dict[str, Any]], None]


def sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def edit_yaml(path: Path, change: Edit) -> None:
    data = yaml.safe_load(path.read_text())
    change(data)
    path.write_text(yaml.safe_dump(data, sort_keys=False))


def validate(folder: Path, tmp_path: Path, limits: UnpackLimits) -> ValidatedPackage:
    staging = tmp_path / "staging"
    staging.mkdir()
    return validate_package(staging, scan_directory(folder, staging, limits))


def refusal(folder: Path, tmp_path: Path, limits: UnpackLimits) -> UploadRefused:
    with pytest.raises(UploadRefused) as info:
        validate(folder, tmp_path, limits)
    return info.value


def locs(err: UploadRefused) -> list[tuple[str | int, ...]]:
    return [d.loc for d in err.details]


@pytest.fixture
def unet(tmp_path: Path, shared_model_dir: Path) -> Path:
    """A writable copy of the shared unet2d package (0.5.4)."""
    work = tmp_path / "unet"
    shutil.copytree(shared_model_dir, work, copy_function=shutil.copyfile)
    work.chmod(0o755)
    return work


def unet_edit(unet: Path, change: Edit) -> Path:
    edit_yaml(unet / "bioimageio.yaml", change)
    return unet


# --- the shared package ----------------------------------------------------------------------


def test_shared_package_passes(unet: Path, tmp_path: Path, limits: UnpackLimits) -> None:
    v = validate(unet, tmp_path, limits)
    assert (v.type, v.format_version, v.description_file) == ("model", "0.5.4", "bioimageio.yaml")
    assert v.name == "UNet 2D Nuclei Broad"
    assert v.license == "MIT"
    assert "segmentation" in v.tags
    assert v.authors[1]["name"] == "Fynn Beuttenmueller"
    assert v.declared_id is None
    assert "weights.pt" in v.referenced_files
    assert "test_input.npy" in v.referenced_files
    assert "environment.yaml" not in v.referenced_files  # present, but not named
    assert v.warnings == []
    assert v.raw["git_repo"].startswith("https://github.com/")  # links are fine
    assert v.summary["status"] == "valid-format"
    # the summary describes the upload, not the server
    assert "saved_conda_list" not in v.summary
    assert {d["context"]["root"] for d in v.summary["details"] if d["context"]} == {"."}


def test_cover_url_is_refused_without_any_request(
    unet: Path, tmp_path: Path, limits: UnpackLimits
) -> None:
    with socket.socket() as listener:
        listener.bind(("127.0.0.1", 0))
        listener.listen(8)
        listener.setblocking(False)
        port = listener.getsockname()[1]

        def cover(d: dict[str, Any]) -> None:
            d["covers"] = [f"http://127.0.0.1:{port}/x.png"]

        err = refusal(unet_edit(unet, cover), tmp_path, limits)
        with pytest.raises(BlockingIOError):
            listener.accept()  # nobody connected
    assert err.code == "external_reference"
    assert locs(err) == [("covers", 0)]
    assert err.details[0].msg.startswith(f"covers.0: 'http://127.0.0.1:{port}/x.png' points")
    assert "must be inside the uploaded package" in err.details[0].msg


@pytest.mark.parametrize(
    ("path", "value"),
    [
        (("documentation",), "/etc/passwd"),
        (("covers", 0), "file:///etc/passwd"),
        (("weights", "torchscript", "source"), "https://127.0.0.1:9/weights.pt"),
        (("weights", "onnx", "source"), "C:\\models\\weights.onnx"),
        (("inputs", 0, "test_tensor", "source"), "../outside.npy"),
        (("outputs", 0, "sample_tensor", "source"), "s3:bucket/sample.png"),
        (("attachments", 0, "source"), "zenodo://record/1"),
        (("some_new_file_field",), "ftp://127.0.0.1/x"),
    ],
)
def test_references_outside_the_package_are_refused(
    path: tuple[str | int, ...], value: str, unet: Path, tmp_path: Path, limits: UnpackLimits
) -> None:
    def put(d: dict[str, Any]) -> None:
        node: Any = d
        for part in path[:-1]:
            if isinstance(part, str) and part not in node:
                node[part] = [{}] if part == "attachments" else {}
            node = node[part]
        node[path[-1]] = value

    err = refusal(unet_edit(unet, put), tmp_path, limits)
    assert (err.code, locs(err)) == ("external_reference", [path])


def test_links_for_people_are_allowed_and_not_visited(
    unet: Path, tmp_path: Path, limits: UnpackLimits
) -> None:
    with socket.socket() as listener:
        listener.bind(("127.0.0.1", 0))
        listener.listen(8)
        listener.setblocking(False)
        url = f"http://127.0.0.1:{listener.getsockname()[1]}"

        def links(d: dict[str, Any]) -> None:
            d["git_repo"] = f"{url}/repo"
            d["cite"][1]["url"] = f"{url}/paper"
            d["config"] = {"deepimagej": {"url": f"{url}/x", "path": "/abs/macro"}}
            d["description"] = f"See {url}/paper for details."

        v = validate(unet_edit(unet, links), tmp_path, limits)
        with pytest.raises(BlockingIOError):
            listener.accept()  # bioimageio.spec did not check the links either
    assert v.raw["git_repo"] == f"{url}/repo"


def test_wrong_sha256_is_refused_naming_the_file(
    unet: Path, tmp_path: Path, limits: UnpackLimits
) -> None:
    def wrong(d: dict[str, Any]) -> None:
        d["weights"]["torchscript"]["sha256"] = "0" * 63 + "1"

    err = refusal(unet_edit(unet, wrong), tmp_path, limits)
    assert (err.code, locs(err)) == ("hash_mismatch", [("weights", "torchscript", "sha256")])
    msg = err.details[0].msg
    assert "'weights.pt'" in msg
    assert "0" * 63 + "1" in msg
    assert sha(unet / "weights.pt") in msg


def test_missing_weights_file_is_refused(unet: Path, tmp_path: Path, limits: UnpackLimits) -> None:
    (unet / "weights.onnx").unlink()
    err = refusal(unet, tmp_path, limits)
    assert (err.code, locs(err)) == ("missing_file", [("weights", "onnx", "source")])
    assert "'weights.onnx' is not in the package" in err.details[0].msg


def test_license_must_be_spdx(unet: Path, tmp_path: Path, limits: UnpackLimits) -> None:
    err = refusal(unet_edit(unet, lambda d: d.update(license="my-own-license")), tmp_path, limits)
    assert (err.code, locs(err)) == ("invalid_description", [("license",)])
    assert "'my-own-license' is not an SPDX license identifier" in err.details[0].msg


@pytest.mark.parametrize(("value", "shown"), [("foo", "'foo'"), (None, "missing")])
def test_type_must_be_known(
    value: str | None, shown: str, unet: Path, tmp_path: Path, limits: UnpackLimits
) -> None:
    err = refusal(unet_edit(unet, lambda d: d.update(type=value)), tmp_path, limits)
    assert (err.code, locs(err)) == ("invalid_description", [("type",)])
    assert shown in err.details[0].msg
    assert "model, dataset, notebook, application" in err.message


@pytest.mark.parametrize("value", ["0.6.0", "0.3.0", 0.5, "latest"])
def test_format_version_must_be_04_or_05_for_models(
    value: object, unet: Path, tmp_path: Path, limits: UnpackLimits
) -> None:
    err = refusal(unet_edit(unet, lambda d: d.update(format_version=value)), tmp_path, limits)
    assert locs(err) == [("format_version",)]
    assert "0.4.x or 0.5.x" in err.details[0].msg


def test_spec_errors_are_located_and_plain(
    unet: Path, tmp_path: Path, limits: UnpackLimits
) -> None:
    def break_it(d: dict[str, Any]) -> None:
        del d["name"]
        d["tags"] = "segmentation"
        d["inputs"][0]["axes"][2]["size"] = "big"
        d["inputs"][0]["axes"][0]["type"] = "batches"

    err = refusal(unet_edit(unet, break_it), tmp_path, limits)
    by_loc = {d.loc: d.msg for d in err.details}
    assert by_loc[("name",)] == "name: this field is required"
    assert by_loc[("tags",)] == "tags: must be a list"
    size = by_loc[("inputs", 0, "axes", 2, "size")]
    assert size.startswith("inputs.0.axes.2.size: 'big' is not valid here. It must be one of:")
    assert "a whole number" in size
    assert "SizeReference" in size
    axis = by_loc[("inputs", 0, "axes", 0)]
    assert axis.startswith("inputs.0.axes.0: 'batches' is not a known type; it must be one of")
    assert all("Input should" not in m and "function-after" not in m for m in by_loc.values())


def test_independent_problems_come_in_one_refusal(
    unet: Path, tmp_path: Path, limits: UnpackLimits
) -> None:
    def break_it(d: dict[str, Any]) -> None:
        d.update(license="my-own-license", name="", description=" ")
        d["weights"]["torchscript"]["sha256"] = "0" * 64

    (unet / "test_output.npy").unlink()
    (unet / "cover0.png").unlink()
    err = refusal(unet_edit(unet, break_it), tmp_path, limits)
    assert err.code == "invalid_description"
    assert locs(err) == [
        ("license",),
        ("name",),
        ("description",),
        ("covers", 0),
        ("outputs", 0, "test_tensor", "source"),
        ("weights", "torchscript", "sha256"),
    ]
    assert err.details[4].msg.startswith("outputs.0.test_tensor.source: the file 'test_output")


def test_an_empty_description_alone_is_refused(
    unet: Path, tmp_path: Path, limits: UnpackLimits
) -> None:
    # the library only warns; the hub's cards and search need the words
    err = refusal(unet_edit(unet, lambda d: d.update(description="")), tmp_path, limits)
    assert (err.code, locs(err)) == ("invalid_description", [("description",)])
    assert err.details[0].msg.startswith("description: is empty. Please describe")


def test_warnings_name_the_field_once(v049: Path, tmp_path: Path, limits: UnpackLimits) -> None:
    v = validate(
        v049_edit(v049, lambda d: d["weights"]["pytorch_state_dict"].pop("pytorch_version")),
        tmp_path,
        limits,
    )
    by_loc = {w.loc: w.msg for w in v.warnings}
    assert by_loc[("weights", "pytorch_state_dict", "pytorch_version")].startswith(
        "weights.pytorch_state_dict.pytorch_version: is missing. Please specify the PyTorch"
    )
    raw = {"inputs": [{"id": "raw"}]}
    repeated = warning_detail(("inputs", 0), "inputs.0: Needs to be filled for FAIR", raw)
    assert repeated == ErrorDetail(("inputs", 0), "inputs.0: needs to be filled for FAIR")
    deeper = warning_detail(("inputs", 0), "inputs.0.description: Needs to be filled", raw)
    assert deeper.loc == ("inputs", 0, "description")
    assert deeper.msg == "inputs.0.description: needs to be filled"
    absent = warning_detail(("inputs", 0, "description"), "Needs to be filled", raw)
    assert absent.msg == "inputs.0.description: needs to be filled"


def _replace_tensor(unet: Path, array: np.ndarray[Any, Any], **save: bool) -> Path:
    np.save(unet / "test_input.npy", array, **save)
    digest = sha(unet / "test_input.npy")
    return unet_edit(unet, lambda d: d["inputs"][0]["test_tensor"].update(sha256=digest))


def test_pickled_test_tensor_is_refused(unet: Path, tmp_path: Path, limits: UnpackLimits) -> None:
    objects = np.array([{"payload": 1}, None], dtype=object)
    err = refusal(_replace_tensor(unet, objects, allow_pickle=True), tmp_path, limits)
    assert (err.code, locs(err)) == ("invalid_test_tensor", [("inputs", 0, "test_tensor")])
    assert "pickled" in err.details[0].msg


def test_test_tensor_that_is_not_npy_is_refused(
    unet: Path, tmp_path: Path, limits: UnpackLimits
) -> None:
    (unet / "test_input.npy").write_bytes(b"\x80\x04K\x01.")  # a tiny pickle
    digest = sha(unet / "test_input.npy")
    unet_edit(unet, lambda d: d["inputs"][0]["test_tensor"].update(sha256=digest))
    err = refusal(unet, tmp_path, limits)
    assert "is not a NumPy '.npy' file" in err.details[0].msg


def test_test_tensor_of_wrong_shape_is_refused(
    unet: Path, tmp_path: Path, limits: UnpackLimits
) -> None:
    small = np.zeros((1, 1, 256, 256), dtype="float32")
    err = refusal(_replace_tensor(unet, small), tmp_path, limits)
    assert err.code == "invalid_test_tensor"
    assert err.details[0].msg == (
        "The test input 'raw' has shape (1, 1, 256, 256) but the description declares "
        "axes batch,channel,y,x with y of size 512."
    )


def test_output_size_follows_the_referenced_input(
    unet: Path, tmp_path: Path, limits: UnpackLimits
) -> None:
    np.save(unet / "test_output.npy", np.zeros((1, 1, 512, 500), dtype="float32"))
    digest = sha(unet / "test_output.npy")
    unet_edit(unet, lambda d: d["outputs"][0]["test_tensor"].update(sha256=digest))
    err = refusal(unet, tmp_path, limits)
    assert locs(err) == [("outputs", 0, "test_tensor")]
    assert "with x of size 512 (derived from raw.x)" in err.details[0].msg


def test_test_tensor_with_wrong_number_of_axes_is_refused(
    unet: Path, tmp_path: Path, limits: UnpackLimits
) -> None:
    err = refusal(_replace_tensor(unet, np.zeros((512, 512), "float32")), tmp_path, limits)
    assert "2 dimensions" in err.details[0].msg
    assert "4 axes" in err.details[0].msg


def test_description_over_2_mib_is_refused(
    unet: Path, tmp_path: Path, limits: UnpackLimits
) -> None:
    with (unet / "bioimageio.yaml").open("a") as f:
        f.write("# " + "x" * (2 * 1024 * 1024) + "\n")
    err = refusal(unet, tmp_path, limits)
    assert err.code == "invalid_yaml"
    assert "at most 2,097,152 bytes" in err.details[0].msg


# --- a hand-written 0.4.9 model ------------------------------------------------------------


@pytest.fixture
def v049(tmp_path: Path) -> Path:
    """A small but complete 0.4.9 model: two weight formats, architecture file, conda env."""
    d = tmp_path / "v049"
    d.mkdir()
    np.save(d / "in.npy", np.zeros((1, 1, 64, 64), dtype="float32"))
    np.save(d / "out.npy", np.zeros((1, 1, 64, 64), dtype="float32"))
    (d / "weights.pt").write_bytes(b"torchscript weights")  # no model runs in these tests
    (d / "state.pt").write_bytes(b"state dict weights")
    (d / "model.py").write_text("class TinyNet:\n    pass\n")
    (d / "environment.yaml").write_text("name: tiny\ndependencies: [python]\n")
    (d / "README.md").write_text("# Tiny\n")
    rdf = {
        "format_version": "0.4.9",
        "type": "model",
        "name": "tiny conv",
        "description": "A tiny test model",
        "authors": [{"name": "Ada Lovelace"}],
        "cite": [{"text": "A paper", "doi": "10.1000/xyz123"}],
        "license": "MIT",
        "documentation": "README.md",
        "tags": ["test"],
        "timestamp": "2024-01-01T00:00:00",
        "test_inputs": ["in.npy"],
        "test_outputs": ["out.npy"],
        "inputs": [
            {
                "name": "raw",
                "axes": "bcyx",
                "data_type": "float32",
                "shape": {"min": [1, 1, 32, 32], "step": [0, 0, 16, 16]},
            }
        ],
        "outputs": [
            {
                "name": "seg",
                "axes": "bcyx",
                "data_type": "float32",
                "shape": {"reference_tensor": "raw", "scale": [1, 1, 1, 1], "offset": [0, 0, 0, 0]},
            }
        ],
        "weights": {
            "pytorch_state_dict": {
                "source": "state.pt",
                "sha256": sha(d / "state.pt"),
                "architecture": "model.py:TinyNet",
                "architecture_sha256": sha(d / "model.py"),
                "kwargs": {},
                "dependencies": "conda:environment.yaml",
                "pytorch_version": "2.1",
            },
            "torchscript": {
                "source": "weights.pt",
                "sha256": sha(d / "weights.pt"),
                "parent": "pytorch_state_dict",
                "pytorch_version": "2.1",
            },
        },
    }
    (d / "rdf.yaml").write_text(yaml.safe_dump(rdf, sort_keys=False))
    return d


def v049_edit(v049: Path, change: Edit) -> Path:
    edit_yaml(v049 / "rdf.yaml", change)
    return v049


def test_minimal_049_model_passes(v049: Path, tmp_path: Path, limits: UnpackLimits) -> None:
    v = validate(v049, tmp_path, limits)
    assert (v.type, v.format_version, v.name) == ("model", "0.4.9", "tiny conv")
    # weights, architecture and environment are all named files of the package
    assert v.referenced_files == [
        "README.md",
        "environment.yaml",
        "in.npy",
        "model.py",
        "out.npy",
        "state.pt",
        "weights.pt",
    ]
    assert [w.loc for w in v.warnings] == [("weights", "pytorch_state_dict", "dependencies")]


def test_049_missing_architecture_file(v049: Path, tmp_path: Path, limits: UnpackLimits) -> None:
    (v049 / "model.py").unlink()
    err = refusal(v049, tmp_path, limits)
    assert err.code == "missing_file"
    assert locs(err) == [("weights", "pytorch_state_dict", "architecture")]


@pytest.mark.parametrize(
    ("changed", "where"),
    [
        ("model.py", ("weights", "pytorch_state_dict", "architecture_sha256")),
        ("state.pt", ("weights", "pytorch_state_dict", "sha256")),
        ("weights.pt", ("weights", "torchscript", "sha256")),
    ],
)
def test_049_hashes_are_checked(
    changed: str,
    where: tuple[str | int, ...],
    v049: Path,
    tmp_path: Path,
    limits: UnpackLimits,
) -> None:
    with (v049 / changed).open("ab") as f:
        f.write(b"\n# changed")
    err = refusal(v049, tmp_path, limits)
    assert (err.code, locs(err)) == ("hash_mismatch", [where])
    assert f"'{changed}'" in err.details[0].msg


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("architecture", "https://127.0.0.1:9/model.py:TinyNet"),
        ("architecture", "/srv/model.py:TinyNet"),
        ("dependencies", "conda:../environment.yaml"),
        ("dependencies", "conda:https://127.0.0.1:9/env.yaml"),
    ],
)
def test_049_code_and_environment_must_be_inside(
    field: str, value: str, v049: Path, tmp_path: Path, limits: UnpackLimits
) -> None:
    def put(d: dict[str, Any]) -> None:
        d["weights"]["pytorch_state_dict"][field] = value

    err = refusal(v049_edit(v049, put), tmp_path, limits)
    assert err.code == "external_reference"
    assert locs(err) == [("weights", "pytorch_state_dict", field)]


@pytest.mark.parametrize(
    ("license_", "words"),
    [("my-own-license", "is not an SPDX license identifier"), ("GPL-3.0", "outdated")],
)
def test_049_license_warning_becomes_an_error(
    license_: str, words: str, v049: Path, tmp_path: Path, limits: UnpackLimits
) -> None:
    err = refusal(v049_edit(v049, lambda d: d.update(license=license_)), tmp_path, limits)
    assert (err.code, locs(err)) == ("invalid_description", [("license",)])
    assert words in err.details[0].msg


def test_049_future_format_version_is_refused(
    v049: Path, tmp_path: Path, limits: UnpackLimits
) -> None:
    err = refusal(v049_edit(v049, lambda d: d.update(format_version="0.4.99")), tmp_path, limits)
    assert locs(err) == [("format_version",)]
    assert "0.4.99" in err.details[0].msg


def test_049_parametrized_shape_is_checked(
    v049: Path, tmp_path: Path, limits: UnpackLimits
) -> None:
    np.save(v049 / "in.npy", np.zeros((1, 1, 40, 40), dtype="float32"))
    err = refusal(v049, tmp_path, limits)
    assert locs(err) == [("test_inputs", 0), ("test_outputs", 0)]
    assert "y of size 32 + n×16" in err.details[0].msg
    # the output is declared relative to the input: 40 * 1 + 0
    assert "y of size 40" in err.details[1].msg


def test_049_test_tensors_must_be_npy_files(
    v049: Path, tmp_path: Path, limits: UnpackLimits
) -> None:
    (v049 / "in.npy").rename(v049 / "in.txt")
    err = refusal(v049_edit(v049, lambda d: d.update(test_inputs=["in.txt"])), tmp_path, limits)
    assert locs(err) == [("test_inputs", 0)]


# --- other resource types ------------------------------------------------------------------


def _resource(tmp_path: Path, rtype: str, **fields: Any) -> Path:
    d = tmp_path / rtype
    d.mkdir()
    (d / "README.md").write_text(f"# A {rtype}\n")
    rdf = {
        "type": rtype,
        "format_version": "0.3.0",
        "name": f"Nuclei {rtype}",
        "description": f"A {rtype} about nuclei",
        "authors": [{"name": "Ada Lovelace", "github_user": "ada"}],
        "cite": [{"text": "A paper", "doi": "10.1000/xyz123"}],
        "license": "CC-BY-4.0",
        "documentation": "README.md",
        "tags": ["nuclei"],
        **fields,
    }
    (d / "rdf.yaml").write_text(yaml.safe_dump(rdf, sort_keys=False))
    return d


def test_dataset_passes_and_may_link_its_data(tmp_path: Path, limits: UnpackLimits) -> None:
    badge = {"label": "Colab", "url": "https://127.0.0.1:9/colab"}
    d = _resource(tmp_path, "dataset", source="https://127.0.0.1:9/data.zip", badges=[badge])
    v = validate(d, tmp_path, limits)
    assert (v.type, v.format_version, v.referenced_files) == ("dataset", "0.3.0", ["README.md"])


def test_notebook_passes(tmp_path: Path, limits: UnpackLimits) -> None:
    d = _resource(tmp_path, "notebook", source="analysis.ipynb")
    (d / "analysis.ipynb").write_text('{"cells": [], "metadata": {}, "nbformat": 4}')
    v = validate(d, tmp_path, limits)
    assert v.type == "notebook"
    assert v.referenced_files == ["README.md", "analysis.ipynb"]


def test_notebook_file_must_be_uploaded(tmp_path: Path, limits: UnpackLimits) -> None:
    d = _resource(tmp_path, "notebook", source="analysis.ipynb")
    err = refusal(d, tmp_path, limits)
    assert (err.code, locs(err)) == ("missing_file", [("source",)])


def test_notebook_source_url_is_refused(tmp_path: Path, limits: UnpackLimits) -> None:
    d = _resource(tmp_path, "notebook", source="https://127.0.0.1:9/a.ipynb")
    assert refusal(d, tmp_path, limits).code == "external_reference"


def test_application_passes(tmp_path: Path, limits: UnpackLimits) -> None:
    d = _resource(tmp_path, "application", source="app.py")
    (d / "app.py").write_text("print('hello')\n")
    v = validate(d, tmp_path, limits)
    assert (v.type, v.referenced_files) == ("application", ["README.md", "app.py"])


def test_dataset_format_version_generation(tmp_path: Path, limits: UnpackLimits) -> None:
    d = _resource(tmp_path, "dataset", format_version="0.5.0")
    err = refusal(d, tmp_path, limits)
    assert "0.2.x or 0.3.x" in err.details[0].msg


# --- finding the description; validate_path ------------------------------------------------


def _pf(path: str) -> PackageFile:
    return PackageFile(path=path, size=1, sha256="0" * 64)


def test_find_description() -> None:
    assert find_description([_pf("a.txt"), _pf("my.bioimageio.yaml")]) == "my.bioimageio.yaml"
    with pytest.raises(UploadRefused) as info:
        find_description([_pf("a.txt")])
    assert info.value.code == "missing_description"
    with pytest.raises(UploadRefused) as info:
        find_description([_pf("a/b/rdf.yaml"), _pf("c.txt")])
    assert "'a/b/rdf.yaml' deeper inside" in info.value.message
    # of several, the one bioimageio.spec reads
    assert find_description([_pf("bioimageio.yaml"), _pf("rdf.yaml")]) == "rdf.yaml"
    assert find_description([_pf("model.yaml"), _pf("bioimageio.yaml")]) == "bioimageio.yaml"


def test_second_description_file_is_ignored_with_a_warning(
    unet: Path, tmp_path: Path, limits: UnpackLimits
) -> None:
    shutil.copyfile(unet / "bioimageio.yaml", unet / "rdf.yaml")
    unet_edit(unet, lambda d: d.update(name="not read"))
    v = validate(unet, tmp_path, limits)
    assert (v.description_file, v.name) == ("rdf.yaml", "UNet 2D Nuclei Broad")
    assert [w.loc for w in v.warnings] == [("package", "bioimageio.yaml")]
    assert "'bioimageio.yaml' is a second description file and is ignored" in v.warnings[0].msg


def test_validate_path_accepts_a_zip_with_an_enclosing_folder(
    unet: Path, tmp_path: Path, limits: UnpackLimits
) -> None:
    zp = tmp_path / "unet.zip"
    with zipfile.ZipFile(zp, "w", compression=zipfile.ZIP_DEFLATED) as zf:
        for f in sorted(unet.iterdir()):
            zf.write(f, f"unet2d/{f.name}")
    staging = tmp_path / "staging"
    staging.mkdir()
    v = validate_path(zp, staging, limits)
    assert v.root == staging
    assert (staging / "bioimageio.yaml").is_file()
    assert {f.path for f in v.files} == {p.name for p in unet.iterdir()}


def test_validate_path_accepts_a_description_file(
    v049: Path, tmp_path: Path, limits: UnpackLimits
) -> None:
    staging = tmp_path / "staging"
    staging.mkdir()
    assert validate_path(v049 / "rdf.yaml", staging, limits).name == "tiny conv"


def test_validate_path_refuses_other_files(tmp_path: Path, limits: UnpackLimits) -> None:
    other = tmp_path / "notes.txt"
    other.write_text("hello")
    staging = tmp_path / "staging"
    staging.mkdir()
    with pytest.raises(UploadRefused, match=r"neither a \.zip file"):
        validate_path(other, staging, limits)
    with pytest.raises(FileNotFoundError):
        validate_path(tmp_path / "nowhere", staging, limits)


def test_unsafe_yaml_in_a_package_is_refused(
    unet: Path, tmp_path: Path, limits: UnpackLimits
) -> None:
    with (unet / "bioimageio.yaml").open("a") as f:
        f.write("extra: !!python/object/apply:os.system ['true']\n")
    err = refusal(unet, tmp_path, limits)
    assert err.code == "invalid_yaml"
    assert err.details[0].loc[0] == "bioimageio.yaml"
