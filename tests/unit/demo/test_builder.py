"""The demo builder makes real, valid bioimage.io packages, the same bytes every time.

Validity is judged by bioimageio.spec (format, with io checks) and bioimageio.core (running every
weight format on the test tensors). These packages are built here, so running their Python
(the `tiny_net.py` architecture) in-process is safe.
"""

from __future__ import annotations

import copy
import hashlib
import os
import re
import shutil
import struct
import subprocess
import sys
import zipfile
from pathlib import Path
from typing import Any

import numpy as np
import pytest
import yaml
from bioimageio.core import test_model as run_model_test
from bioimageio.spec import ValidationContext, build_description, load_description
from bioimageio.spec.common import InvalidDescr

import modelhub.demo
from modelhub.demo.builder import KINDS, BuiltPackage, build_package, zip_package

BIOIMAGEIO = Path(sys.executable).parent / "bioimageio"

# bioimageio.spec 0.5.12 opens every package file it hashes or reads (FileDescr.validate_sha256
# and others call get_reader) and never closes it. The files are freed by reference counting
# right away, inside the test that loaded them, but the warning is attributed to whichever frame
# runs at that moment (pydantic, imageio, ...), so only message and category can be matched.
pytestmark = pytest.mark.filterwarnings(
    r"ignore:unclosed file <_io\.BufferedReader:ResourceWarning"
)

# kind -> (type, format version written, description class module, weight formats)
EXPECTED: dict[str, tuple[str, str, str, set[str]]] = {
    "model-0.5-torchscript": ("model", "0.5.4", "model.v0_5", {"torchscript"}),
    "model-0.5-state-dict": (
        "model",
        "0.5.4",
        "model.v0_5",
        {"pytorch_state_dict", "torchscript", "onnx"},
    ),
    "model-0.4": ("model", "0.4.9", "model.v0_4", {"pytorch_state_dict", "torchscript"}),
    "dataset-0.5": ("dataset", "0.3.0", "dataset.v0_3", set()),
    "notebook-0.5": ("notebook", "0.3.0", "notebook.v0_3", set()),
    "application-0.5": ("application", "0.3.0", "application.v0_3", set()),
}
MODEL_WEIGHTS = [(kind, wf) for kind, exp in EXPECTED.items() for wf in sorted(exp[3])]

# The only FAIR-compliance alerts we accept: silencing them needs a GitHub user (verified online)
# or a dataset `source` URL (requested online), and demo content must not depend on the network.
ACCEPTED_WARNINGS = {
    ((), "Missing `maintainers` or any author in `authors` with a specified `github_user` name."),
    (("source",), "Needs to be filled for FAIR compliance"),
}


@pytest.fixture(scope="module")
def packages(tmp_path_factory: pytest.TempPathFactory) -> dict[str, BuiltPackage]:
    root = tmp_path_factory.mktemp("demo-packages")
    return {kind: build_package(kind, root / kind) for kind in KINDS}


def _rdf(pkg: BuiltPackage) -> dict[str, Any]:
    content: dict[str, Any] = yaml.safe_load(pkg.description_path.read_text(encoding="utf-8"))
    return content


def _digests(folder: Path) -> dict[str, str]:
    return {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in sorted(folder.iterdir())}


def test_kinds_are_the_six_documented_ones() -> None:
    assert set(KINDS) == set(EXPECTED)


@pytest.mark.parametrize("kind", KINDS)
def test_each_kind_is_valid_and_keeps_its_format(
    packages: dict[str, BuiltPackage], kind: str
) -> None:
    pkg = packages[kind]
    rtype, written_format, module, _ = EXPECTED[kind]
    assert (pkg.type, pkg.format_version) == (rtype, written_format)
    assert _rdf(pkg)["format_version"] == written_format

    descr = load_description(
        pkg.description_path, perform_io_checks=True, format_version="discover"
    )
    summary = descr.validation_summary
    assert not isinstance(descr, InvalidDescr), summary.format()
    assert summary.status == "valid-format", summary.format()
    # bioimageio.spec applies the newest patch of the same minor version (0.4.9 -> 0.4.10,
    # 0.5.4 -> 0.5.12) but never converts across minor versions: a 0.4 model stays 0.4
    assert type(descr).__module__ == f"bioimageio.spec.{module}"
    assert descr.format_version.rsplit(".", 1)[0] == written_format.rsplit(".", 1)[0]
    assert descr.type == rtype
    assert descr.name == pkg.name
    warnings = {(tuple(w.loc), w.msg) for d in summary.details for w in d.warnings}
    assert warnings - ACCEPTED_WARNINGS == set()


def _collect(node: Any, files: set[str], hashed: dict[str, str]) -> None:
    if isinstance(node, dict):
        if isinstance(node.get("source"), str) and "sha256" in node:
            hashed[node["source"]] = node["sha256"]
        if "architecture_sha256" in node:  # format 0.4: `architecture: file.py:Callable`
            hashed[node["architecture"].split(":")[0]] = node["architecture_sha256"]
        for value in node.values():
            _collect(value, files, hashed)
    elif isinstance(node, list):
        for value in node:
            _collect(value, files, hashed)
    elif isinstance(node, str):
        files.add(node.split(":")[0])


@pytest.mark.parametrize("kind", KINDS)
def test_every_file_is_referenced_and_hashes_match(
    packages: dict[str, BuiltPackage], kind: str
) -> None:
    pkg = packages[kind]
    mentioned: set[str] = set()
    hashed: dict[str, str] = {}
    _collect(_rdf(pkg), mentioned, hashed)
    on_disk = _digests(pkg.root)
    del on_disk[pkg.description_file]
    assert set(on_disk) <= mentioned, "files in the package that the description never uses"
    assert {name: on_disk[name] for name in hashed} == hashed
    weights = {w["source"] for w in _rdf(pkg).get("weights", {}).values() if isinstance(w, dict)}
    assert weights <= set(hashed)
    assert len(weights) == len(EXPECTED[kind][3])


@pytest.mark.parametrize("kind", KINDS)
def test_each_kind_is_labelled_as_example_content(
    packages: dict[str, BuiltPackage], kind: str
) -> None:
    pkg = packages[kind]
    rdf = _rdf(pkg)
    assert pkg.name.startswith("Example")
    assert pkg.name.endswith("(demo)")
    assert "example" in rdf["tags"]
    assert rdf["description"].startswith("Example (demo content)")
    assert rdf["license"] in {"MIT", "CC0-1.0", "CC-BY-4.0"}
    assert all(entry["doi"].startswith("10.") for entry in rdf["cite"])
    assert rdf["config"]["modelhub"] == {"demo": True, "demo_kind": kind, "seed": 0}
    readme = (pkg.root / rdf["documentation"]).read_text(encoding="utf-8")
    assert readme.startswith(f"# {pkg.name}\n")
    assert "Example content" in readme
    cover = (pkg.root / rdf["covers"][0]).read_bytes()
    assert cover.startswith(b"\x89PNG\r\n\x1a\n")
    width, height = struct.unpack(">II", cover[16:24])
    assert (width, height) == (256, 128)  # 2:1, as bioimage.io recommends


def test_name_can_be_chosen_and_bad_arguments_are_refused(tmp_path: Path) -> None:
    pkg = build_package("notebook-0.5", tmp_path / "nb", name="Example for a test (demo)")
    assert pkg.name == _rdf(pkg)["name"] == "Example for a test (demo)"
    with pytest.raises(FileExistsError):
        build_package("notebook-0.5", tmp_path / "nb")
    with pytest.raises(ValueError, match="unknown demo package kind"):
        build_package("model-0.6", tmp_path / "x")
    with pytest.raises(ValueError, match="invalid package name"):
        build_package("dataset-0.5", tmp_path / "y", name="Example: colon (demo)")


@pytest.mark.parametrize(("kind", "weight_format"), MODEL_WEIGHTS)
def test_bioimageio_core_runs_every_weight_format(
    packages: dict[str, BuiltPackage], kind: str, weight_format: str
) -> None:
    pkg = packages[kind]
    assert set(_rdf(pkg)["weights"]) == EXPECTED[kind][3]
    summary = run_model_test(pkg.description_path, weight_format=weight_format)  # type: ignore[arg-type]
    assert summary.status == "passed", summary.format()
    reproduced = [d for d in summary.details if d.name.startswith("Reproduce test outputs")]
    assert [(d.name, d.status) for d in reproduced] == [
        (f"Reproduce test outputs from test inputs ({weight_format})", "passed")
    ]


def test_bioimageio_core_fails_a_package_with_wrong_test_outputs(
    packages: dict[str, BuiltPackage], tmp_path: Path
) -> None:
    # the control for the test above: a package whose outputs do not match must fail
    work = tmp_path / "broken"
    shutil.copytree(packages["model-0.4"].root, work)
    expected = np.load(work / "test_output.npy")
    np.save(work / "test_output.npy", (1.0 - expected).astype(np.float32))
    summary = run_model_test(work / "rdf.yaml", weight_format="torchscript")
    # a failed run only downgrades the status to "valid-format"; "failed" is kept for
    # descriptions that do not even validate, so "not passed" is the check that matters
    assert summary.status == "valid-format"
    reproduced = [d for d in summary.details if d.name.startswith("Reproduce test outputs")]
    assert [d.status for d in reproduced] == ["failed"]


def test_builds_are_byte_identical_for_a_seed_and_differ_across_seeds(
    packages: dict[str, BuiltPackage], tmp_path: Path
) -> None:
    for kind in KINDS:
        again = build_package(kind, tmp_path / "again" / kind)
        assert _digests(again.root) == _digests(packages[kind].root), kind
    other = _digests(build_package("model-0.5-state-dict", tmp_path / "seed1", seed=1).root)
    first = _digests(packages["model-0.5-state-dict"].root)
    for name in ("test_input.npy", "weights.pt", "weights.torchscript.pt", "weights.onnx"):
        assert other[name] != first[name], name


def test_builds_are_byte_identical_across_processes(
    packages: dict[str, BuiltPackage], tmp_path: Path
) -> None:
    # another interpreter with another string-hash seed: TorchScript writes the constants of
    # `nn.Conv2d` in set order, which follows the hash seed (why tiny_net.py avoids them)
    kinds = ["model-0.5-state-dict", "model-0.5-torchscript"]
    script = (
        "import sys; from pathlib import Path; from modelhub.demo.builder import build_package\n"
        "for kind in sys.argv[2:]: build_package(kind, Path(sys.argv[1]) / kind)"
    )
    subprocess.run(
        [sys.executable, "-c", script, str(tmp_path), *kinds],
        check=True,
        env={**os.environ, "PYTHONHASHSEED": "12345"},
        timeout=120,
    )
    for kind in kinds:
        assert _digests(tmp_path / kind) == _digests(packages[kind].root), kind


def test_packages_do_not_leak_paths_of_the_building_machine(
    packages: dict[str, BuiltPackage],
) -> None:
    # TorchScript debug records would embed where modelhub is installed
    install_dir = str(Path(modelhub.demo.__file__).parent).encode()
    for pkg in packages.values():
        for path in pkg.root.iterdir():
            assert install_dir not in path.read_bytes(), path
            assert str(pkg.root).encode() not in path.read_bytes(), path
    torchscript = packages["model-0.5-state-dict"].root / "weights.torchscript.pt"
    with zipfile.ZipFile(torchscript) as archive:
        assert not [n for n in archive.namelist() if n.endswith(".debug_pkl")]


def test_zip_has_the_description_at_its_root_and_is_reproducible(
    packages: dict[str, BuiltPackage], tmp_path: Path
) -> None:
    pkg = packages["model-0.5-state-dict"]
    first = zip_package(pkg, tmp_path / "a" / "pkg.zip")
    second = zip_package(pkg, tmp_path / "b" / "pkg.zip")
    assert first.read_bytes() == second.read_bytes()
    with zipfile.ZipFile(first) as archive:
        assert sorted(archive.namelist()) == sorted(p.name for p in pkg.root.iterdir())
    descr = load_description(first, perform_io_checks=True)
    assert descr.validation_summary.status == "valid-format", descr.validation_summary.format()


@pytest.mark.parametrize("kind", ["model-0.5-torchscript", "model-0.4", "dataset-0.5"])
@pytest.mark.parametrize(
    ("version", "accepted"),
    [
        pytest.param("0.1.0", True, id="0.1.0"),
        pytest.param(1, True, id="int-1"),
        pytest.param("1", True, id="str-1"),
        pytest.param("v1", True, id="v1"),
        pytest.param("version one", False, id="version-one"),
    ],
)
def test_version_field_takes_pep440_versions(
    packages: dict[str, BuiltPackage], kind: str, version: object, accepted: bool
) -> None:
    # `version` is parsed with packaging.version (PEP 440), not SemVer as the docs say:
    # 1, "1" and "v1" pass in every format. An unparsable one makes bioimageio.spec raise
    # instead of returning an InvalidDescr, so callers must catch exceptions too.
    pkg = packages[kind]
    rdf = copy.deepcopy(_rdf(pkg))
    rdf["version"] = version
    context = ValidationContext(root=pkg.root, perform_io_checks=False)
    try:
        descr = build_description(rdf, context=context)
    except Exception:
        valid = False
    else:
        valid = descr.validation_summary.status == "valid-format"
    assert valid is accepted


@pytest.mark.slow
def test_the_bioimageio_cli_passes_a_built_model(
    packages: dict[str, BuiltPackage], tmp_path: Path
) -> None:
    workdir = tmp_path / "cwd"  # empty: bioimageio reads settings from a .env file in the cwd
    workdir.mkdir()
    env = {k: v for k, v in os.environ.items() if not k.startswith(("BIOIMAGEIO_", "MODELHUB_"))}
    env["BIOIMAGEIO_CACHE_PATH"] = str(tmp_path / "cache")
    pkg = packages["model-0.5-state-dict"]  # the kind with all three weight formats
    done = subprocess.run(
        [str(BIOIMAGEIO), "test", str(pkg.description_path)],
        cwd=workdir,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert done.returncode == 0, done.stdout[-4000:] + done.stderr[-4000:]
    assert re.search(r"^\s*status\s+passed\s*$", done.stdout, re.MULTILINE), done.stdout
    for weight_format in EXPECTED["model-0.5-state-dict"][3]:
        assert f"weights.{weight_format}" in done.stdout  # each format was run
