"""The pieces the charts are drawn from (``web.charts``): numbers people read at a glance, round
axis ticks, date labels that do not depend on the machine's locale, and text made safe for SVG."""

from __future__ import annotations

import hashlib
import math
import re
from collections.abc import Mapping, Sequence
from datetime import date
from typing import Literal

from markupsafe import escape

Period = Literal["day", "month", "year"]

# graphics need 3:1 against white (WCAG 1.4.11); each of these has more than 4.5:1
PALETTE = ("#2458b3", "#b3470c", "#17692f", "#7a2bb8", "#a3162e", "#0b6b66")
OTHER_COLOUR = "#4b5563"
# a second cue beside colour, for people who do not tell the colours apart
DASHES = ("", "6 3", "2 3", "8 3 2 3", "4 4", "1 2")
_MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")
_UNITS = ((1_000_000_000, "G"), (1_000_000, "M"), (1_000, "k"))


def compact(n: int) -> str:
    """1,234,567 → "1.2M", 15,300 → "15.3k", 999 → "999" (one decimal at most)."""
    if n < 0:
        return "-" + compact(-n)
    for i, (size, unit) in enumerate(_UNITS):
        if n >= size:
            value = round(n / size, 1)
            if value >= 1000 and i > 0:  # 999,999 rounds to 1000.0k: say 1M
                size, unit = _UNITS[i - 1]
                value = round(n / size, 1)
            text = f"{value:.1f}".removesuffix(".0")
            return text + unit
    return str(n)


def grouped(n: int) -> str:
    """1234567 → "1,234,567"."""
    return f"{n:,}"


def nice_ticks(top: int, *, count: int = 4) -> list[int]:
    """Round, increasing ticks from 0 that cover ``top`` in about ``count`` steps of 1, 2 or 5
    times a power of ten (0 → [0, 1])."""
    if top <= 0:
        return [0, 1]
    raw = top / count
    power = 10 ** math.floor(math.log10(raw)) if raw >= 1 else 1
    step = next(m * power for m in (1, 2, 5, 10) if m * power >= raw)
    step = max(1, int(step))
    last = math.ceil(top / step) * step
    return list(range(0, last + 1, step))


def date_label(day: date, period: Period, *, long_span: bool = False) -> str:
    """An axis label: "5 Mar" per day ("Mar 2024" when the axis spans years), "Mar 2024" per
    month, "2024" per year."""
    if period == "year":
        return str(day.year)
    if period == "month" or long_span:
        return f"{_MONTHS[day.month - 1]} {day.year}"
    return f"{day.day} {_MONTHS[day.month - 1]}"


def full_date(day: date, period: Period) -> str:
    """The bucket in full: "2024-03-05", "2024-03" or "2024"."""
    return {"day": day.isoformat(), "month": f"{day:%Y-%m}", "year": str(day.year)}[period]


def pick_ticks(n: int, *, most: int = 5) -> list[int]:
    """Indexes of at most ``most`` evenly spread items of ``n`` (first one always; the last one
    when it falls on the step)."""
    if n <= most:
        return list(range(n))
    step = math.ceil((n - 1) / (most - 1))
    return list(range(0, n, step))


def text(value: object) -> str:
    """Escaped for element text and attribute values (quotes too)."""
    return str(escape(str(value)))


def clip(label: str, limit: int) -> str:
    """``label`` cut to ``limit`` characters with an ellipsis (whitespace runs folded)."""
    label = re.sub(r"\s+", " ", label).strip()
    return label if len(label) <= limit else label[: limit - 1].rstrip() + "…"


def label_text(label: str, limit: int, **attrs: str | int | float) -> str:
    """A ``<text>`` showing ``label`` cut to ``limit``; the full label as its ``<title>``."""
    shown = clip(label, limit)
    tip = f"<title>{text(label)}</title>" if shown != label else ""
    attributes = "".join(f' {k.replace("_", "-")}="{text(v)}"' for k, v in attrs.items())
    return f"<text{attributes}>{tip}{text(shown)}</text>"


def chart_id(kind: str, title: str) -> str:
    """A stable id for the chart's title and description (same title, same id)."""
    digest = hashlib.sha256(f"{kind}\0{title}".encode()).hexdigest()[:8]
    return f"{kind}-{digest}"


def merge_small(
    series: Mapping[str, Sequence[tuple[date, int]]], *, keep: int
) -> list[tuple[str, dict[date, int]]]:
    """The series as name → counts per date, largest total first (then by name); past ``keep``
    the smaller ones are summed as "Other"."""
    summed: dict[str, dict[date, int]] = {}
    for name, points in series.items():
        counts = summed.setdefault(str(name), {})
        for day, n in points:
            counts[day] = counts.get(day, 0) + int(n)
    ordered = sorted(summed.items(), key=lambda kv: (-sum(kv[1].values()), kv[0]))
    if len(ordered) <= keep:
        return ordered
    other: dict[date, int] = {}
    for _, counts in ordered[keep - 1 :]:
        for day, n in counts.items():
            other[day] = other.get(day, 0) + n
    return [*ordered[: keep - 1], ("Other", other)]


def fmt(x: float) -> str:
    """A coordinate with at most one decimal, stable across platforms."""
    return f"{x:.1f}".removesuffix(".0")
