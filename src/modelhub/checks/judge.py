"""The judge: decides whether a weight format passed, in the hub's worker process, which never
imports or runs anything of the package.

It reads the package's description with bioimageio.spec (a parser: it imports nothing the
package names) for the expected test outputs and their tolerances, loads the expected outputs
from the host's copy of the package, and compares them with the tensors the sandboxed test
produced (`judge_compare`). A format passes only when every output agrees *and* the library's
summary from inside says passed: the sandbox can make its own check fail (that only hurts the
package), never pass.

Tolerances as bioimageio.core 0.11 picks them (``_get_tolerance``): for a 0.5 description the
spec's default ``ReproducibilityTolerance``, replaced by a legacy ``config.bioimageio
.test_kwargs[<format>]`` entry, replaced by the first ``config.bioimageio
.reproducibility_tolerance`` entry naming this format and output (or none); for 0.4, rtol and
atol 1e-3 and no mismatched element.
"""

from __future__ import annotations

import gc
import warnings
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

import yaml

from modelhub.checks import sandbox_reasons as words
from modelhub.checks.judge_compare import Comparison, TensorRefused, Tolerance, compare, load_npy
from modelhub.checks.sandbox_protocol import DESCRIPTION_FILES, Produced

DECIDED_BY = "judge"
_V04 = Tolerance(rtol=1e-3, atol=1e-3, mismatched_ppm=0.0)


@dataclass
class Expectations:
    """What a package's outputs must be, read on the host."""

    source: Path | None
    weight_formats: list[str] = field(default_factory=list)
    outputs: dict[str, Path] = field(default_factory=dict)
    """Output member id -> the expected test output, in the host's copy of the package."""
    tolerances: dict[tuple[str, str], Tolerance] = field(default_factory=dict)
    """(weight format, member) -> tolerance."""
    is_model: bool = False
    problem: str | None = None
    """Why the description could not be read (then nothing can pass)."""


@dataclass
class Judgement:
    """The verdict on one weight format."""

    status: Literal["passed", "failed"]
    reason: str | None
    outputs: dict[str, dict[str, object]] = field(default_factory=dict)
    decided_by: str = DECIDED_BY


def description_file(package_dir: Path) -> Path | None:
    return next((package_dir / n for n in DESCRIPTION_FILES if (package_dir / n).is_file()), None)


def weight_formats_in(source: Path) -> list[str]:
    """The weight formats a model description names, read from the YAML itself (an invalid
    description has no parsed weights to ask)."""
    try:
        raw = yaml.safe_load(source.read_text(encoding="utf-8"))
    except (OSError, UnicodeError, yaml.YAMLError):
        return []
    weights = raw.get("weights") if isinstance(raw, dict) and raw.get("type") == "model" else None
    if not isinstance(weights, dict):
        return []
    return [str(name) for name, entry in weights.items() if entry]


def _inside(package_dir: Path, source: object) -> Path:
    """The host path of a file the description names, which must be in the package."""
    relative = getattr(source, "path", None)  # a RelativeFilePath; a URL has none
    if relative is None:
        raise ValueError(f"the test output {source} is not a file of the package")
    path = (package_dir / str(relative)).resolve()
    if not path.is_relative_to(package_dir.resolve()) or not path.is_file():
        raise ValueError(f"the test output {relative!r} is not a file of the package")
    return path


def _tolerance_05(descr: Any, weight_format: str, member: str) -> Tolerance:
    from bioimageio.spec.model import v0_5

    applicable = v0_5.ReproducibilityTolerance()
    extra = descr.config.bioimageio.model_extra or {}
    legacy = extra.get("test_kwargs", {})
    if isinstance(legacy, dict) and isinstance(legacy.get(weight_format), dict):
        kwargs = legacy[weight_format]
        applicable = v0_5.ReproducibilityTolerance(
            relative_tolerance=kwargs.get("relative_tolerance", 1e-3),
            absolute_tolerance=kwargs.get("absolute_tolerance", 1e-3),
        )
    for entry in descr.config.bioimageio.reproducibility_tolerance:
        if (not entry.weights_formats or weight_format in entry.weights_formats) and (
            not entry.output_ids or member in entry.output_ids
        ):
            applicable = entry
            break
    return Tolerance(
        rtol=float(applicable.relative_tolerance),
        atol=float(applicable.absolute_tolerance),
        mismatched_ppm=float(applicable.mismatched_elements_per_million),
    )


def _describe(source: Path, *, io_checks: bool) -> Any:
    """bioimageio.spec's description of ``source``, parsed with safe YAML here (as uploads
    are): no file handle or network fallback of the library's own loader is involved."""
    import copy

    from bioimageio.spec import InvalidDescr, ValidationContext, build_description

    raw = yaml.safe_load(source.read_text(encoding="utf-8"))
    if not isinstance(raw, dict):
        raise ValueError("the description is not a mapping")
    context = ValidationContext(
        root=source.parent,
        file_name=source.name,
        original_source_name=source.name,
        perform_io_checks=io_checks,
        log_warnings=False,
    )
    descr = build_description(copy.deepcopy(raw), context=context, format_version="discover")
    return descr, isinstance(descr, InvalidDescr)


def read_expectations(package_dir: Path) -> Expectations:
    """The expected outputs and tolerances of the package in ``package_dir``."""
    from bioimageio.spec.model import v0_4, v0_5

    source = description_file(package_dir)
    if source is None:
        return Expectations(None, problem=f"the package has no {' or '.join(DESCRIPTION_FILES)}")
    found = Expectations(source, weight_formats=weight_formats_in(source))
    try:
        descr, invalid = _describe(source, io_checks=False)
    except (OSError, UnicodeError, ValueError, yaml.YAMLError) as exc:
        found.problem = f"the description cannot be read: {exc}"
        return found
    if invalid:
        found.problem = words.explain_summary(descr.validation_summary.model_dump(mode="json"))
        return found
    if not isinstance(descr, (v0_4.ModelDescr, v0_5.ModelDescr)):
        return found
    found.is_model = True
    found.weight_formats = [name for name, entry in descr.weights if entry is not None]
    try:
        if isinstance(descr, v0_4.ModelDescr):
            for out, test in zip(descr.outputs, descr.test_outputs, strict=True):
                found.outputs[str(out.name)] = _inside(package_dir, test)
                for wf in found.weight_formats:
                    found.tolerances[(wf, str(out.name))] = _V04
        else:
            for out5 in descr.outputs:
                if out5.test_tensor is None:
                    raise ValueError(f"output '{out5.id}' has no test tensor")
                member = str(out5.id)
                found.outputs[member] = _inside(package_dir, out5.test_tensor.source)
                for wf in found.weight_formats:
                    found.tolerances[(wf, member)] = _tolerance_05(descr, wf, member)
    except (ValueError, AttributeError) as exc:
        found.problem = f"the expected test outputs cannot be read: {exc}"
    return found


def _compare_output(
    expect: Expectations, weight_format: str, member: str, produced: Produced
) -> Comparison:
    tolerance = expect.tolerances[(weight_format, member)]
    data = produced.tensors.get(f"actual_output_{member}_{weight_format}.npy")
    if data is None:
        return Comparison(member, False, f"the test produced no output '{member}'")
    try:
        actual = load_npy(data)
    except TensorRefused as exc:
        return Comparison(member, False, f"output '{member}' is unreadable: {exc}")
    try:
        expected = load_npy(expect.outputs[member].read_bytes())
    except (TensorRefused, OSError) as exc:
        return Comparison(member, False, f"the test output '{member}' is unreadable: {exc}")
    return compare(member, actual, expected, tolerance)


def judge_format(expect: Expectations, weight_format: str, produced: Produced) -> Judgement:
    """Passed or failed, for one weight format, from what its sandbox produced."""
    if expect.problem is not None:
        return Judgement("failed", expect.problem)
    comparisons = [_compare_output(expect, weight_format, m, produced) for m in expect.outputs]
    outputs = {c.member: c.as_dict() for c in comparisons}
    summary = produced.summary
    if summary is not None and summary.get("status") != "passed":
        # the library inside found a problem: believed, as it can only fail the package
        return Judgement("failed", words.explain_summary(summary), outputs)
    failed = [c.reason for c in comparisons if not c.passed and c.reason]
    if failed:
        return Judgement("failed", "; ".join(failed), outputs)
    if produced.malformed is not None:
        return Judgement("failed", f"the test's output was malformed ({produced.malformed})")
    if summary is None:
        return Judgement("failed", "the test ended without the library's summary", outputs)
    return Judgement("passed", None, outputs)


def judge_static(expect: Expectations) -> tuple[Judgement, dict[str, Any] | None]:
    """A resource without weights runs no code: the judge validates it itself, fully (files
    and their hashes), with bioimageio.spec; the verdict and the library's summary."""
    if expect.source is None or expect.problem is not None:
        return Judgement("failed", expect.problem), None
    summary = static_summary(expect.source)
    if summary.get("status") in ("passed", "valid-format"):
        return Judgement("passed", None), summary
    return Judgement("failed", words.explain_summary(summary)), summary


def static_summary(source: Path) -> dict[str, Any]:
    """bioimageio.spec's full validation (files and their hashes too), as JSON."""
    try:
        with warnings.catch_warnings():
            # the library leaves the files it hashed to the garbage collector
            warnings.simplefilter("ignore", ResourceWarning)
            descr, _ = _describe(source, io_checks=True)
            gc.collect()
    except (OSError, UnicodeError, ValueError, yaml.YAMLError) as exc:
        detail = {"name": "description", "status": "failed", "errors": [{"msg": str(exc)}]}
        return {"status": "failed", "details": [detail]}
    dumped: dict[str, Any] = descr.validation_summary.model_dump(
        mode="json", exclude={"saved_conda_list": True}
    )
    return dumped
