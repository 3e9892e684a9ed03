"""The judge's arithmetic: reading ``.npy`` bytes that came out of a sandbox without trusting
them, and comparing an output with the expected one the way bioimageio.core 0.11 does.

bioimageio.core (``_resource_tests.evaluate_mismatched_elements``) casts both tensors to
float32 and counts the elements where ``|actual - expected| > atol + rtol * |expected|``; a
test fails when that count, per million elements, exceeds the tolerated share. The same rule
here, with one deliberate difference: a NaN where the expected value is a number (or the other
way round) counts as a mismatch (in bioimageio.core every comparison with NaN is false, so an
output of NaNs would agree with anything).
"""

from __future__ import annotations

import io
import math
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

_NUMERIC_KINDS = "biuf"  # bool, signed, unsigned, float: what a test tensor may hold


class TensorRefused(ValueError):
    """The bytes are not a plain numeric ``.npy`` array (or claim more than they hold)."""


@dataclass(frozen=True)
class Tolerance:
    rtol: float
    atol: float
    mismatched_ppm: float
    """Elements per million allowed to disagree."""


@dataclass(frozen=True)
class Comparison:
    """One output compared with its expected values."""

    member: str
    passed: bool
    reason: str | None
    mismatched: int = 0
    total: int = 0
    max_abs_diff: float = 0.0
    tolerance: Tolerance | None = None

    def as_dict(self) -> dict[str, object]:
        found: dict[str, object] = {
            "passed": self.passed,
            "mismatched": self.mismatched,
            "total": self.total,
            "max_abs_diff": self.max_abs_diff,
        }
        if self.tolerance is not None:
            found |= {
                "rtol": self.tolerance.rtol,
                "atol": self.tolerance.atol,
                "mismatched_ppm_allowed": self.tolerance.mismatched_ppm,
            }
        return found


def load_npy(data: bytes) -> NDArray[np.generic]:
    """An array from ``.npy`` bytes: no pickle, numeric dtypes only, and a header whose shape
    fits in the bytes that follow it (checked before numpy allocates anything)."""
    stream = io.BytesIO(data)
    try:
        version = np.lib.format.read_magic(stream)
        if version == (1, 0):
            shape, _, dtype = np.lib.format.read_array_header_1_0(stream)
        elif version == (2, 0):
            shape, _, dtype = np.lib.format.read_array_header_2_0(stream)
        else:
            raise TensorRefused(f"unsupported .npy version {version}")
    except (ValueError, OSError) as exc:
        raise TensorRefused(f"not an .npy array ({exc})") from None
    if dtype.kind not in _NUMERIC_KINDS or dtype.hasobject or dtype.fields is not None:
        raise TensorRefused(f"data type {dtype} is not a plain number type")
    if any(not isinstance(n, int) or n < 0 for n in shape):
        raise TensorRefused(f"invalid shape {shape}")
    if math.prod(shape) * dtype.itemsize > len(data) - stream.tell():
        raise TensorRefused(f"shape {shape} needs more bytes than the array holds")
    stream.seek(0)
    try:
        array: NDArray[np.generic] = np.load(stream, allow_pickle=False)
    except (ValueError, OSError, EOFError) as exc:
        raise TensorRefused(f"not an .npy array ({exc})") from None
    return array


def _share(ppm: float) -> str:
    return f"{ppm / 10_000:.1f}%" if ppm >= 1_000 else f"{ppm:.1f} ppm"


def _aligned(
    actual: NDArray[np.generic], expected: NDArray[np.generic]
) -> NDArray[np.generic] | None:
    """``actual`` in ``expected``'s shape, or None when the shapes differ beyond axes of
    length 1 (bioimageio.core compares tensors by named axes; a singleton axis more or less
    changes no value's place)."""
    if actual.shape == expected.shape:
        return actual
    if np.squeeze(actual).shape == np.squeeze(expected).shape:
        return actual.reshape(expected.shape)
    return None


def compare(
    member: str,
    actual: NDArray[np.generic],
    expected: NDArray[np.generic],
    tolerance: Tolerance,
) -> Comparison:
    """Whether ``actual`` reproduces ``expected`` within ``tolerance`` (see the module doc)."""
    aligned = _aligned(actual, expected)
    if aligned is None:
        shapes = f"{list(actual.shape)}, the test output {list(expected.shape)}"
        return Comparison(
            member, False, f"output '{member}' has shape {shapes}", total=int(expected.size)
        )
    want = expected.astype(np.float32)
    got = aligned.astype(np.float32)
    allowed = tolerance.rtol * np.abs(want)
    with np.errstate(invalid="ignore", over="ignore"):
        diff = np.abs(got - want)
        mismatched = (diff > tolerance.atol + allowed) | (np.isnan(got) != np.isnan(want))
    count = int(mismatched.sum())
    ppm = count / want.size * 1e6 if want.size else 0.0
    worst = 0.0
    if count:
        beyond = np.where(mismatched, np.nan_to_num(diff - allowed, nan=np.inf), -np.inf)
        worst = float(diff.flat[int(np.argmax(beyond))])
    passed = ppm <= tolerance.mismatched_ppm
    reason: str | None = None
    if not passed:
        reason = (
            f"output differs from the test output: {count} of {want.size} values of"
            f" '{member}' differ ({_share(ppm)}), max abs difference {worst:.3g} >"
            f" {tolerance.atol:.3g} (+ {tolerance.rtol:.3g} × |expected|)"
        )
    return Comparison(member, passed, reason, count, int(want.size), worst, tolerance)
