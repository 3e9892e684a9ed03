"""Build small, real, valid bioimage.io packages: the hub's demo content and test fixtures.

Every kind produces a folder with `rdf.yaml` and all the files it references, labelled as
example content (name, description, `example` tag, README). Builds are deterministic: the
same kind and seed give byte-identical files.

    >>> pkg = build_package("model-0.5-torchscript", tmp_path / "smoothing")  # doctest: +SKIP
    >>> zip_package(pkg, tmp_path / "smoothing.zip")  # doctest: +SKIP
"""

import re
import zipfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from modelhub.demo import resources
from modelhub.demo.writer import DESCRIPTION_FILE, PackageWriter

_Build = Callable[..., dict[str, Any]]


def _model_builder(function_name: str) -> _Build:
    # torch is imported only when a model kind is built: importing this module (and building
    # datasets, notebooks or applications) stays cheap for processes that never need torch.
    def build(writer: PackageWriter, **kwargs: Any) -> dict[str, Any]:
        from modelhub.demo import models

        function: _Build = getattr(models, function_name)
        return function(writer, **kwargs)

    return build


# kind -> (default name, builder)
_KINDS: dict[str, tuple[str, _Build]] = {
    "model-0.5-torchscript": (
        "Example smoothing filter (demo)",
        _model_builder("build_torchscript_0_5"),
    ),
    "model-0.5-state-dict": (
        "Example tiny nucleus detector (demo)",
        _model_builder("build_state_dict_0_5"),
    ),
    "model-0.4": (
        "Example legacy-format nucleus detector (demo)",
        _model_builder("build_model_0_4"),
    ),
    "dataset-0.5": ("Example synthetic nuclei images (demo)", resources.build_dataset),
    "notebook-0.5": ("Example model loading notebook (demo)", resources.build_notebook),
    "application-0.5": ("Example model summary app (demo)", resources.build_application),
}

KINDS: tuple[str, ...] = tuple(_KINDS)
"""The package kinds `build_package` can build."""

# bioimage.io format 0.5 (models) and 0.3 (other types) allow only these characters in
# `name`; we hold every kind to it so that a name works whatever the format.
_NAME_PATTERN = re.compile(r"[A-Za-z0-9_+\-() ]{5,64}")

# zip entries get a fixed date so that zipping the same package twice gives the same bytes
_ZIP_DATE = (1980, 1, 1, 0, 0, 0)


@dataclass(frozen=True)
class BuiltPackage:
    """A package folder written by `build_package`."""

    root: Path
    """Folder holding `rdf.yaml` and every file it references (no subfolders)."""
    description_file: str
    """File name of the description inside `root` (always `rdf.yaml`)."""
    type: str
    """Resource type: `model`, `dataset`, `notebook` or `application`."""
    format_version: str
    """Format version written in the description, e.g. `0.5.4` or `0.4.9`."""
    name: str
    """The description's `name`."""

    @property
    def description_path(self) -> Path:
        """Path of the description file."""
        return self.root / self.description_file


def build_package(kind: str, dest: Path, *, name: str | None = None, seed: int = 0) -> BuiltPackage:
    """Write a package of `kind` into the folder `dest` and describe it.

    `dest` is created if needed and must be empty, so that no stale file ends up in the
    package. `seed` drives test images and weights; `name` replaces the default name and
    may use letters, digits, spaces and `_+-()` (5 to 64 characters), as the formats require.

    Raises `ValueError` for an unknown kind or an invalid name, `FileExistsError` when
    `dest` is not empty.
    """
    if kind not in _KINDS:
        raise ValueError(f"unknown demo package kind {kind!r}; choose one of {', '.join(KINDS)}")
    default_name, build = _KINDS[kind]
    name = default_name if name is None else name
    if not _NAME_PATTERN.fullmatch(name):
        raise ValueError(
            f"invalid package name {name!r}: use 5 to 64 letters, digits, spaces or _+-()"
        )
    if seed < 0:
        raise ValueError(f"seed must be >= 0, got {seed}")
    dest.mkdir(parents=True, exist_ok=True)
    if any(dest.iterdir()):
        raise FileExistsError(f"package folder is not empty: {dest}")

    writer = PackageWriter(dest)
    rdf = build(writer, kind=kind, name=name, seed=seed)
    writer.write_description(rdf)
    return BuiltPackage(
        root=dest,
        description_file=DESCRIPTION_FILE,
        type=rdf["type"],
        format_version=rdf["format_version"],
        name=rdf["name"],
    )


def zip_package(pkg: BuiltPackage, zip_path: Path) -> Path:
    """Zip the package folder into `zip_path` (rdf.yaml at the root of the archive).

    Entries are sorted and dated 1980-01-01, so the archive is reproducible too.
    Returns `zip_path`.
    """
    zip_path.parent.mkdir(parents=True, exist_ok=True)
    files = sorted(p for p in pkg.root.iterdir() if p.is_file())
    with zipfile.ZipFile(zip_path, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for path in files:
            entry = zipfile.ZipInfo(path.name, date_time=_ZIP_DATE)
            entry.compress_type = zipfile.ZIP_DEFLATED
            entry.external_attr = 0o644 << 16  # rw-r--r--, whatever the local umask
            archive.writestr(entry, path.read_bytes())
    return zip_path
