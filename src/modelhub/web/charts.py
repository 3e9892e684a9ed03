"""Charts drawn on the server as inline SVG: no script, nothing loaded from anywhere, the same
bytes for the same data. A ``viewBox`` lets them shrink to a phone's width; text is sized for
that (the page's CSS caps how wide they grow). Colours come as attributes, never as ``style``
(the hub's Content-Security-Policy refuses inline styles). Each chart is an image for screen
readers (``role="img"``, its ``<title>`` and ``<desc>``) with its numbers in a visually hidden
table beside it. Labels come from users: every one is escaped, long ones are cut with an
ellipsis and keep their full text in a ``<title>``."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import date

from jinja2 import Environment
from markupsafe import Markup

from modelhub.web.chart_parts import (
    DASHES,
    OTHER_COLOUR,
    PALETTE,
    Period,
    chart_id,
    compact,
    date_label,
    fmt,
    full_date,
    grouped,
    label_text,
    merge_small,
    nice_ticks,
    pick_ticks,
    text,
)
from modelhub.web.chart_tables import bar_table, series_table

WIDTH = 400
_LEFT, _RIGHT, _TOP, _PLOT_H = 44, 14, 10, 160
_FONT = 'font-family="system-ui, sans-serif" font-size="12"'
EMPTY = "No downloads yet"


def _figure(inner: str, *, cls: str = "chart") -> Markup:
    # every user-given piece of ``inner`` went through ``chart_parts.text`` (escaped)
    return Markup(f'<figure class="{cls}">{inner}</figure>')  # noqa: S704


def _open(kind: str, title: str, height: float, desc: str) -> tuple[str, str]:
    ident = chart_id(kind, title)
    head = (
        f'<svg xmlns="http://www.w3.org/2000/svg" class="chart-svg" viewBox="0 0 {WIDTH} '
        f'{fmt(height)}" role="img" aria-labelledby="{ident}-t" aria-describedby="{ident}-d" '
        f'{_FONT} fill="#1d2430"><title id="{ident}-t">{text(title)}</title>'
        f'<desc id="{ident}-d">{text(desc)}</desc>'
    )
    return ident, head


def _empty(kind: str, title: str) -> Markup:
    _, head = _open(kind, title, 60, EMPTY)
    body = f'<text x="{WIDTH // 2}" y="34" text-anchor="middle" fill="#566070">{EMPTY}</text>'
    return _figure(f"{head}{body}</svg>", cls="chart chart-empty")


def line_chart(
    series: Mapping[str, Sequence[tuple[date, int]]],
    *,
    title: str,
    period: Period,
    table: bool = True,
) -> Markup:
    """One line per consumer software over time (at most six: past five, the rest summed as
    "Other"); a missing date in a series counts 0. The y axis has round ticks, the x axis at
    most five date labels, the legend sits under the plot. ``table``: add the hidden table."""
    named = merge_small(series, keep=len(PALETTE))
    days = sorted({d for _, counts in named for d in counts})
    top = max((n for _, counts in named for n in counts.values()), default=0)
    if not days or top <= 0:
        return _empty("line", title)
    totals = [sum(counts.get(d, 0) for _, counts in named) for d in days]
    ticks = nice_ticks(top)
    plot_w = WIDTH - _LEFT - _RIGHT
    first, last = days[0].toordinal(), days[-1].toordinal()
    long_span = period == "day" and last - first > 365

    def x(day: date) -> float:
        if first == last:
            return _LEFT + plot_w / 2
        return _LEFT + (day.toordinal() - first) / (last - first) * plot_w

    def y(n: int) -> float:
        return _TOP + _PLOT_H - n / ticks[-1] * _PLOT_H

    parts: list[str] = ['<g class="y-axis" text-anchor="end">']
    for t in ticks:
        parts.append(
            f'<line x1="{_LEFT}" x2="{WIDTH - _RIGHT}" y1="{fmt(y(t))}" y2="{fmt(y(t))}" '
            f'stroke="#dfe3ea"/><text x="{_LEFT - 6}" y="{fmt(y(t) + 4)}">{compact(t)}</text>'
        )
    parts.append('</g><g class="x-axis" text-anchor="middle">')
    base = _TOP + _PLOT_H
    for i in pick_ticks(len(days)):
        d = days[i]
        # the last label ends at its tick when centring it would cross the chart's edge
        anchor = ' text-anchor="end"' if x(d) > WIDTH - 36 else ""
        parts.append(
            f'<line x1="{fmt(x(d))}" x2="{fmt(x(d))}" y1="{base}" y2="{base + 4}" '
            f'stroke="#566070"/><text x="{fmt(x(d))}" y="{base + 18}"{anchor}>'
            f"{text(date_label(d, period, long_span=long_span))}</text>"
        )
    parts.append("</g>")
    for i, (name, counts) in enumerate(named):
        colour = OTHER_COLOUR if name == "Other" and i == len(PALETTE) - 1 else PALETTE[i]
        dash = f' stroke-dasharray="{DASHES[i]}"' if DASHES[i] else ""
        points = " ".join(f"{fmt(x(d))},{fmt(y(counts.get(d, 0)))}" for d in days)
        parts.append(f'<g class="series" stroke="{colour}" fill="{colour}">')
        parts.append(f"<title>{text(name)}</title>")
        if len(days) > 1:
            parts.append(f'<polyline points="{points}" fill="none" stroke-width="2"{dash}/>')
        if len(days) <= 40:
            for d in days:
                cx, cy = fmt(x(d)), fmt(y(counts.get(d, 0)))
                parts.append(f'<circle cx="{cx}" cy="{cy}" r="2.5"/>')
        parts.append("</g>")
    legend_y = base + 36
    for i, (name, _) in enumerate(named):
        colour = OTHER_COLOUR if name == "Other" and i == len(PALETTE) - 1 else PALETTE[i]
        lx = 8 if i % 2 == 0 else WIDTH // 2 + 4
        ly = legend_y + (i // 2) * 20
        dash = f' stroke-dasharray="{DASHES[i]}"' if DASHES[i] else ""
        parts.append(
            f'<g class="legend-item"><line x1="{lx}" x2="{lx + 22}" y1="{ly - 4}" '
            f'y2="{ly - 4}" stroke="{colour}" stroke-width="3"{dash}/>'
            + label_text(name, 24, x=lx + 28, y=ly)
            + "</g>"
        )
    height = legend_y + ((len(named) + 1) // 2) * 20
    span = f"{full_date(days[0], period)} to {full_date(days[-1], period)}"
    if len(days) == 1:
        span = full_date(days[0], period)
    each = ", ".join(f"{name} {grouped(sum(c.values()))}" for name, c in named)
    desc = f"Downloads per {period}, {span}: {grouped(sum(totals))} in all ({each})."
    _, head = _open("line", title, height, desc)
    hidden = series_table(named, days, period, title) if table else ""
    return _figure(f"{head}{''.join(parts)}</svg>{hidden}")


def bar_chart(rows: Sequence[tuple[str, int]], *, title: str, table: bool = True) -> Markup:
    """Horizontal bars in the order given (at most 12; the count of the rest is told in the
    description), each label above its bar and the figure after it."""
    shown = [(str(label), int(n)) for label, n in rows[:12]]
    if not shown:
        return _empty("bar", title)
    top = max(max(n for _, n in shown), 1)
    room = WIDTH - 8 - 56  # the longest bar leaves room for its figure
    parts: list[str] = []
    row_h = 38
    for i, (label, n) in enumerate(shown):
        y0 = 4 + i * row_h
        width = 0.0 if n <= 0 else max(1.0, n / top * room)
        parts.append('<g class="bar">' + label_text(label, 52, x=8, y=y0 + 12))
        if width:
            parts.append(
                f'<rect x="8" y="{y0 + 17}" width="{fmt(width)}" height="13" rx="2" '
                f'fill="{PALETTE[0]}"/>'
            )
        parts.append(
            f'<text x="{fmt(8 + width + 5)}" y="{y0 + 28}" fill="#566070">{compact(n)}'
            f"<title>{grouped(n)}</title></text></g>"
        )
    height = 4 + len(shown) * row_h + 2
    rest = len(rows) - len(shown)
    listed = "; ".join(f"{label}: {grouped(n)}" for label, n in shown)
    desc = listed + (f"; and {rest} more." if rest else ".")
    _, head = _open("bar", title, height, desc)
    hidden = bar_table(shown, title) if table else ""
    return _figure(f"{head}{''.join(parts)}</svg>{hidden}")


def install(env: Environment) -> None:
    """Make the charts (``line_chart``, ``bar_chart``) and the figure formats (``|grouped``:
    1,234; ``|compact``: 1.2k) available to every template of ``env``."""
    env.globals.update(line_chart=line_chart, bar_chart=bar_chart)
    env.filters.update(grouped=grouped, compact=compact)
