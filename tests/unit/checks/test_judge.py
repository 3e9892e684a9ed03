"""The judge on its own: reading tensors it cannot trust, bioimageio.core's comparison rule and
tolerances, and the verdict from what a sandbox handed back (no sandbox runs here)."""

from __future__ import annotations

import io
import pickle
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from modelhub.checks.judge import judge_format, read_expectations
from modelhub.checks.judge_compare import TensorRefused, Tolerance, compare, load_npy
from modelhub.checks.sandbox_protocol import Produced, frame, parse_frames
from tests.unit.checks.conftest import edit_rdf

TOL = Tolerance(rtol=1e-3, atol=1e-3, mismatched_ppm=100)


def npy(array: np.ndarray[Any, Any]) -> bytes:
    out = io.BytesIO()
    np.save(out, array, allow_pickle=False)
    return out.getvalue()


def test_tensors_are_read_without_pickle_and_within_their_bytes() -> None:
    values = np.arange(12, dtype=np.float32).reshape(3, 4)
    assert np.array_equal(load_npy(npy(values)), values)
    objects = io.BytesIO()
    np.save(objects, np.array([{"a": 1}], dtype=object), allow_pickle=True)
    with pytest.raises(TensorRefused, match="not a plain number type"):
        load_npy(objects.getvalue())
    # a header claiming far more than follows is refused before anything is allocated
    huge = npy(values).replace(b"(3, 4)", b"(3000000000, 4000000)", 1)
    with pytest.raises(TensorRefused, match="needs more bytes"):
        load_npy(huge)
    with pytest.raises(TensorRefused, match=r"not an \.npy array"):
        load_npy(pickle.dumps(values))


def test_comparison_follows_bioimageio_core() -> None:
    expected = np.ones((100, 100), dtype=np.float32)
    # within atol + rtol*|expected| (0.002 here) everywhere: passes
    assert compare("y", expected + 0.0019, expected, TOL).passed
    # one element of 10 000 off = 100 ppm: exactly the tolerated share
    off = expected.copy()
    off[0, 0] = 5
    assert compare("y", off, expected, TOL).passed
    off[0, 1] = 5
    result = compare("y", off, expected, TOL)
    assert not result.passed and (result.mismatched, result.total) == (2, 10_000)
    assert result.reason == (
        "output differs from the test output: 2 of 10000 values of 'y' differ (200.0 ppm),"
        " max abs difference 4 > 0.001 (+ 0.001 × |expected|)"
    )


def test_nan_and_shape_do_not_slip_through() -> None:
    expected = np.zeros((1, 1, 8, 8), dtype=np.float32)
    nans = np.full_like(expected, np.nan)
    assert not compare("y", nans, expected, TOL).passed  # bioimageio.core would pass it
    assert compare("y", expected.reshape(8, 8, 1), expected, TOL).passed  # singletons only
    result = compare("y", np.zeros((8, 4)), expected, TOL)
    assert result.reason == "output 'y' has shape [8, 4], the test output [1, 1, 8, 8]"


def test_tolerances_come_from_the_description(
    package: Any,
) -> None:
    pkg = package("model-0.5-state-dict")

    def change(rdf: dict[str, Any]) -> None:
        config = rdf.setdefault("config", {}).setdefault("bioimageio", {})
        config["test_kwargs"] = {"onnx": {"absolute_tolerance": 0.5}}
        config["reproducibility_tolerance"] = [
            {
                "weights_formats": ["torchscript"],
                "absolute_tolerance": 0.25,
                "relative_tolerance": 0,
            }
        ]

    edit_rdf(pkg, change)
    expect = read_expectations(pkg)
    assert expect.problem is None and expect.is_model
    member = next(iter(expect.outputs))
    assert expect.tolerances[("onnx", member)] == Tolerance(1e-3, 0.5, 100)
    assert expect.tolerances[("torchscript", member)] == Tolerance(0, 0.25, 100)
    assert expect.tolerances[("pytorch_state_dict", member)] == Tolerance(1e-3, 1e-3, 100)
    old = read_expectations(package("model-0.4"))
    assert set(old.tolerances.values()) == {Tolerance(1e-3, 1e-3, 0)}


def test_verdict_needs_right_outputs_and_a_passed_summary(package: Any) -> None:
    pkg = package("model-0.5-torchscript")
    expect = read_expectations(pkg)
    member, path = next(iter(expect.outputs.items()))
    right = path.read_bytes()
    name = f"actual_output_{member}_torchscript.npy"
    passed = {"status": "passed", "details": []}

    def verdict(tensors: dict[str, bytes], summary: dict[str, Any] | None) -> tuple[str, str]:
        judged = judge_format(expect, "torchscript", Produced(tensors, summary))
        assert judged.decided_by == "judge"
        return judged.status, judged.reason or ""

    assert verdict({name: right}, passed) == ("passed", "")
    # a summary saying "passed" does not make wrong or missing outputs pass
    wrong = npy(np.load(path) + 1)
    status, reason = verdict({name: wrong}, passed)
    assert status == "failed" and reason.startswith("output differs from the test output")
    assert verdict({}, passed) == ("failed", f"the test produced no output '{member}'")
    # right outputs without the library's word that the rest of its test passed: failed
    assert verdict({name: right}, None) == (
        "failed",
        "the test ended without the library's summary",
    )


def test_frames_are_parsed_strictly() -> None:
    data = frame("tensor", "a.npy", b"123") + frame("summary", "summary", b'{"status": "x"}')
    produced = parse_frames(data + b'{"kind": "verdict", "name": "x", "size": 0}\n')
    assert produced.tensors == {"a.npy": b"123"} and produced.summary == {"status": "x"}
    assert produced.malformed == "an unexpected frame ('verdict')"
    assert parse_frames(b'{"kind": "tensor", "name": "a", "size": 99}\nshort').malformed == (
        "a frame is shorter than its header says"
    )


def test_package_without_description_is_refused(tmp_path: Path) -> None:
    expect = read_expectations(tmp_path)
    assert expect.problem == "the package has no rdf.yaml or bioimageio.yaml"


def test_resource_without_weights_is_judged_without_a_sandbox(tmp_path: Path) -> None:
    from modelhub.checks.runner import CheckRunner
    from modelhub.demo.builder import build_package

    dataset = build_package("dataset-0.5", tmp_path / "dataset").root
    checks = CheckRunner(scratch_root=tmp_path / "scratch", warm=False)
    try:
        outcome = checks.run(dataset)
        (dataset / "image_2.png").write_bytes(b"changed after upload")  # sha256 no longer fits
        tampered = checks.run(dataset)
    finally:
        checks.close()
    assert outcome.status == "passed", outcome.reason
    assert outcome.formats["resource"].decided_by == "judge"
    assert outcome.formats["resource"].summary is not None
    assert tampered.status == "failed"
    assert tampered.reason is not None and "SHA256 mismatch" in tampered.reason
    assert not (tmp_path / "scratch").exists()  # no sandbox was started
