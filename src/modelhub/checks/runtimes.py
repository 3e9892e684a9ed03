"""Which weight formats this Python environment can run, and the versions of the libraries
that test them: asked by the hub (the same environment the sandbox runs), never by the
sandboxed process, whose answers are the package's to forge."""

from __future__ import annotations

import contextlib
import importlib.metadata
import importlib.util
import platform

LIBRARIES = ("bioimageio.spec", "bioimageio.core", "torch", "onnxruntime", "numpy")
# weight format -> modules of which one must be importable to run it
RUNTIMES: dict[str, tuple[str, ...]] = {
    "pytorch_state_dict": ("torch",),
    "torchscript": ("torch",),
    "onnx": ("onnxruntime",),
    "tensorflow_saved_model_bundle": ("tensorflow",),
    "keras_hdf5": ("keras", "tensorflow"),
    "keras_v3": ("keras",),
    "tensorflow_js": (),  # bioimageio.core has no runtime for it at all
}


def runtime_missing(weight_format: str) -> str | None:
    """Why ``weight_format`` cannot run here, or None when it can."""
    modules = RUNTIMES.get(weight_format)
    if modules is None:
        return f"no runtime is known for weight format {weight_format!r}"
    if not modules:
        return f"bioimageio.core cannot run {weight_format} weights"
    if any(importlib.util.find_spec(m) is not None for m in modules):
        return None
    if len(modules) == 1:
        return f"{modules[0]} is not installed"
    return f"neither {' nor '.join(modules)} is installed"


def library_versions() -> dict[str, str]:
    """Versions of Python and of the libraries that test, as installed here."""
    versions = {"python": platform.python_version()}
    for name in LIBRARIES:
        with contextlib.suppress(importlib.metadata.PackageNotFoundError):
            versions[name] = importlib.metadata.version(name)
    return versions
