"""Pre- and postprocessing steps of a model's tensors, said in plain words (formats 0.4 and 0.5).

The description says ``{name: zero_mean_unit_variance, kwargs: {mode: per_sample, axes: xy}}``
(0.4) or ``{id: …, kwargs: …}`` (0.5); people read "normalised to zero mean and unit variance,
statistics per sample over axes x, y". Unknown steps keep their name and arguments."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from pydantic import BaseModel

_MODES = {
    "per_sample": "per sample",
    "per_dataset": "over the whole dataset",
    "fixed": "fixed values",
}


class StepRow(BaseModel):
    """One processing step: its name, what it does, and its arguments as written."""

    name: str
    text: str
    arguments: dict[str, Any]


def number(value: Any) -> str:
    """A number as people write it (``1e-06`` stays, ``1.0`` becomes ``1``)."""
    if isinstance(value, bool) or not isinstance(value, int | float):
        return str(value)
    if isinstance(value, float) and value.is_integer() and abs(value) < 1e15:
        return str(int(value))
    return str(value)


def _values(value: Any) -> str:
    if isinstance(value, list):
        return "[" + ", ".join(number(v) for v in value) + "]"
    return number(value)


def _axes(kwargs: dict[str, Any]) -> str:
    axes = kwargs.get("axes")
    if isinstance(axes, str) and axes:
        return " over axes " + ", ".join(axes)
    if isinstance(axes, list) and axes:
        return " over axes " + ", ".join(str(a) for a in axes)
    return ""


def _stats(kwargs: dict[str, Any]) -> str:
    """How the statistics are gathered: ``per sample over axes x, y``."""
    mode = _MODES.get(str(kwargs.get("mode", "per_sample")), str(kwargs.get("mode")))
    reference = kwargs.get("reference_tensor")
    of = f" of tensor {reference}" if reference else ""
    return f"statistics {mode}{of}{_axes(kwargs)}"


def _zero_mean(kw: dict[str, Any]) -> str:
    if kw.get("mode") == "fixed":
        return f"minus mean {_values(kw.get('mean'))}, divided by standard deviation " + _values(
            kw.get("std")
        )
    return f"normalised to zero mean and unit variance ({_stats(kw)})"


def _ordinal(value: Any) -> str:
    text = number(value)
    if not text.isdigit() or text[-2:] in ("11", "12", "13"):
        return f"{text}th"
    return text + {"1": "st", "2": "nd", "3": "rd"}.get(text[-1], "th")


def _scale_range(kw: dict[str, Any]) -> str:
    low, high = _ordinal(kw.get("min_percentile", 0)), _ordinal(kw.get("max_percentile", 100))
    return (
        f"rescaled so that the {low} percentile becomes 0 and the {high} percentile 1"
        f" ({_stats(kw)})"
    )


def _binarize(kw: dict[str, Any]) -> str:
    threshold = kw.get("threshold")
    if isinstance(threshold, list):  # 0.5: one threshold per channel along `axis`
        return f"1 where the value is above the thresholds {_values(threshold)}, 0 elsewhere"
    return f"1 where the value is above {number(threshold)}, 0 elsewhere"


_DESCRIBE: dict[str, Callable[[dict[str, Any]], str]] = {
    "binarize": _binarize,
    "clip": lambda kw: f"values clipped to [{number(kw.get('min'))}, {number(kw.get('max'))}]",
    "scale_linear": lambda kw: (
        f"multiplied by {_values(kw.get('gain', 1))}, then {_values(kw.get('offset', 0))}"
        f" added{_axes(kw)}"
    ),
    "sigmoid": lambda kw: "logistic sigmoid 1 / (1 + e^−x), squashing values into (0, 1)",
    "zero_mean_unit_variance": _zero_mean,
    "fixed_zero_mean_unit_variance": lambda kw: (
        f"minus mean {_values(kw.get('mean'))}, divided by standard deviation "
        f"{_values(kw.get('std'))}"
    ),
    "scale_range": _scale_range,
    "scale_mean_variance": lambda kw: (
        f"mean and variance matched to those of tensor {kw.get('reference_tensor')}"
        f" ({_stats({k: v for k, v in kw.items() if k != 'reference_tensor'})})"
    ),
    "ensure_dtype": lambda kw: f"converted to {kw.get('dtype')}",
}


def describe_steps(raw: Any) -> list[StepRow]:
    """The steps of a tensor's ``preprocessing`` or ``postprocessing`` list."""
    rows: list[StepRow] = []
    for step in raw if isinstance(raw, list) else []:
        if not isinstance(step, dict):
            continue
        name = str(step.get("id") or step.get("name") or "unnamed step")
        found = step.get("kwargs")
        kwargs: dict[str, Any] = found if isinstance(found, dict) else {}
        describe = _DESCRIBE.get(name)
        if describe is not None:
            text = describe(kwargs)
        else:
            shown = ", ".join(f"{k} = {_values(v)}" for k, v in kwargs.items())
            text = f"{name}" + (f" with {shown}" if shown else "")
        rows.append(StepRow(name=name, text=text, arguments=kwargs))
    return rows
