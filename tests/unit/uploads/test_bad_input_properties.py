"""Property tests: whatever bytes or description an uploader sends, the reader and the validator
answer with the hub's refusal (or accept), never with another exception.

Bounded with ``max_examples`` so that the file runs in seconds; a failure prints the smallest
example hypothesis found.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Any

import pytest
import yaml
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from modelhub.errors import UploadRefused
from modelhub.uploads.archive import PackageFile, UnpackLimits, scan_directory
from modelhub.uploads.validation import validate_package
from modelhub.uploads.yamlsafe import parse_description_yaml

BOUNDED = settings(
    max_examples=150,
    database=None,  # nothing written into the working tree
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)


class Number(str):
    """A number written as given, unquoted (integers too long for Python to read by default)."""


class _Dumper(yaml.SafeDumper):
    pass


_Dumper.add_representer(
    Number, lambda dumper, n: dumper.represent_scalar("tag:yaml.org,2002:int", str(n))
)

# values an uploader can write: huge and non-finite numbers, any unicode, nested containers
long_numbers = st.builds(
    lambda sign, digits, n: Number(sign + digits * n),
    st.sampled_from(["", "-", "+", "0x", "0o"]),
    st.sampled_from(["7", "1", "0"]),
    st.integers(min_value=900, max_value=6000),
)
scalars = (
    st.none()
    | st.booleans()
    | st.integers()
    | long_numbers
    | st.floats(allow_nan=True, allow_infinity=True)
    | st.text(max_size=40)
    | st.text(st.characters(codec="utf-8"), max_size=10)
)
values = st.recursive(
    scalars,
    lambda inner: (
        st.lists(inner, max_size=4)
        | st.dictionaries(st.text(max_size=10) | st.integers() | st.booleans(), inner, max_size=4)
    ),
    max_leaves=20,
)


def _yaml_text(data: Any) -> str:
    # escapes, not raw characters: PyYAML writes control characters and surrogates as '\u....'
    return yaml.dump(data, Dumper=_Dumper, allow_unicode=False, sort_keys=False)


def _plain_data(result: dict[str, Any]) -> None:
    """What the hub relies on afterwards: strict JSON that encodes as UTF-8."""
    json.dumps(result, allow_nan=False).encode("utf-8")
    assert all(isinstance(k, str) for k in result)


def _read(data: bytes) -> None:
    refused: UploadRefused | None = None
    try:
        result = parse_description_yaml(data)
    except UploadRefused as exc:
        refused = exc
    if refused is not None:
        assert (refused.code, refused.status_code) == ("invalid_yaml", 422)
        assert refused.details and all(d.msg for d in refused.details)
        return
    assert isinstance(result, dict)
    _plain_data(result)


@BOUNDED
@given(st.binary(max_size=300))
def test_reader_on_any_bytes(data: bytes) -> None:
    _read(data)


@BOUNDED
@given(st.text(max_size=300))
def test_reader_on_any_text(text: str) -> None:
    _read(text.encode("utf-8", "surrogatepass"))


@BOUNDED
@given(st.dictionaries(st.text(max_size=10) | st.integers(), values, max_size=6))
def test_reader_on_generated_documents(document: dict[Any, Any]) -> None:
    _read(_yaml_text(document).encode())


@BOUNDED
@given(values, st.sampled_from(["a: {}\n", "a:\n  b: [{}]\n", "- {}\n", "{}: 1\n"]))
def test_reader_on_generated_values_in_place(value: Any, frame: str) -> None:
    # a value's YAML written on one line inside a frame (valid or not: both must be answered)
    flow = _yaml_text(value).strip().removesuffix("...").strip().replace("\n", " ")
    _read(frame.replace("{}", flow, 1).encode("utf-8", "surrogatepass"))


# --- the validator on descriptions mutated from a valid one ----------------------------------


# every answer the validator may give to a package whose only fault is its description
DESCRIPTION_REFUSALS = {
    (422, code)
    for code in (
        "external_reference",
        "hash_mismatch",
        "invalid_description",
        "invalid_test_tensor",
        "invalid_yaml",
        "missing_description",
        "missing_file",
    )
}


class Package:
    """A writable copy of the real package whose description each example replaces."""

    def __init__(self, root: Path, files: list[PackageFile], raw: dict[str, Any]) -> None:
        self.root, self.files, self.raw = root, files, raw

    def validate(self, description: dict[str, Any]) -> UploadRefused | None:
        data = _yaml_text(description).encode()
        (self.root / "bioimageio.yaml").write_bytes(data)
        sha = hashlib.sha256(data).hexdigest()
        files = [
            PackageFile(f.path, len(data), sha) if f.path == "bioimageio.yaml" else f
            for f in self.files
        ]
        refused: UploadRefused | None = None
        try:
            validate_package(self.root, files)
        except UploadRefused as exc:
            refused = exc
        if refused is not None:
            assert (refused.status_code, refused.code) in DESCRIPTION_REFUSALS, refused
            assert refused.message
        return refused


@pytest.fixture(scope="module")
def package(tmp_path_factory: pytest.TempPathFactory, shared_model_dir: Path) -> Package:
    work = tmp_path_factory.mktemp("prop")
    limits = UnpackLimits(max_upload_bytes=50 << 20, max_unpacked_bytes=50 << 20, max_files=100)
    (work / "pkg").mkdir()
    files = scan_directory(shared_model_dir, work / "pkg", limits)
    raw = parse_description_yaml((work / "pkg" / "bioimageio.yaml").read_bytes())
    return Package(work / "pkg", files, raw)


def _paths(data: Any, prefix: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    """Every path into the document (mappings by key, lists by index)."""
    found = [prefix] if prefix else []
    if isinstance(data, dict):
        for key, item in data.items():
            found += _paths(item, (*prefix, key))
    elif isinstance(data, list):
        for i, item in enumerate(data):
            found += _paths(item, (*prefix, i))
    return found


# fields every description may have, which the valid package leaves out
GENERIC_FIELDS = [
    "id",
    "id_emoji",
    "version",
    "parent",
    "uploader",
    "attachments",
    "icon",
    "git_repo",
    "links",
    "badges",
    "packaged_by",
    "training_data",
    "timestamp",
]


@st.composite
def mutated(draw: st.DrawFn, raw: dict[str, Any]) -> dict[str, Any]:
    """The valid description with 1 to 3 values replaced, removed or added anywhere in it."""
    document: dict[str, Any] = json.loads(json.dumps(raw))
    for _ in range(draw(st.integers(1, 3))):
        path = draw(st.sampled_from(_paths(document)))
        parent: Any = document
        for step in path[:-1]:
            parent = parent[step]
        key = path[-1]
        action = draw(st.sampled_from(["replace", "remove", "add", "transplant", "nudge"]))
        if action == "remove" and isinstance(parent, dict):
            del parent[key]
        elif action == "add" and isinstance(parent, dict):
            key = draw(st.sampled_from(GENERIC_FIELDS) | st.text(max_size=12))
            parent[key] = draw(values)
        elif action == "transplant":
            # a value from elsewhere in the description: plausible types in the wrong place
            # reach the later checks (files, axes, tensors) more often than random values
            source: Any = document
            for step in draw(st.sampled_from(_paths(document))):
                source = source[step]
            parent[key] = json.loads(json.dumps(source))
        elif action == "nudge":
            parent[key] = draw(
                st.integers(-3, 600)
                | st.floats(-1e6, 1e6)
                | st.sampled_from(
                    ["", "weights.pt", "test_input.npy", "../x", "b", "y", "x", "float32"]
                )
            )
        else:
            parent[key] = draw(values)
    return document


def test_validator_accepts_the_unchanged_package(package: Package) -> None:
    assert package.validate(package.raw) is None  # the baseline: no refusal
    data = _yaml_text(package.raw).encode()
    sha = hashlib.sha256(data).hexdigest()
    files = [
        PackageFile(f.path, len(data), sha) if f.path == "bioimageio.yaml" else f
        for f in package.files
    ]
    assert validate_package(package.root, files).name == "UNet 2D Nuclei Broad"


@settings(
    max_examples=60,
    database=None,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)
@given(data=st.data())
def test_validator_on_mutated_descriptions(package: Package, data: st.DataObject) -> None:
    refused = package.validate(data.draw(mutated(package.raw)))
    event("accepted" if refused is None else f"refused: {refused.code}")


@pytest.mark.parametrize("value", [5, {"a": 1}, ["x"], True, 1.5])
def test_an_id_that_is_not_text_is_refused_at_its_field(package: Package, value: Any) -> None:
    # bioimageio.spec raised its own ValidationError (a 500) on these
    refused = package.validate({**package.raw, "id": value})
    assert refused is not None and refused.code == "invalid_description"
    assert [d.loc for d in refused.details] == [("id",)]
    assert refused.details[0].msg.startswith("id: '")
