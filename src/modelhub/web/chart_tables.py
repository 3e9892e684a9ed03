"""The numbers behind a chart as a visually hidden HTML table: screen readers and text browsers
read them; the chart's ``<desc>`` gives only the summary. The table sits in a hidden ``<div>``:
a table is never narrower than its content, so hiding the table itself would widen the page."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date

from modelhub.web.chart_parts import Period, full_date, grouped, text


def series_table(
    named: Sequence[tuple[str, dict[date, int]]], days: Sequence[date], period: Period, title: str
) -> str:
    """One row per date, one column per series."""
    head = "".join(f'<th scope="col">{text(name)}</th>' for name, _ in named)
    rows = "".join(
        f'<tr><th scope="row">{full_date(d, period)}</th>'
        + "".join(f"<td>{grouped(counts.get(d, 0))}</td>" for _, counts in named)
        + "</tr>"
        for d in days
    )
    return (
        f'<div class="sr-only"><table><caption>{text(title)}</caption><thead><tr>'
        f'<th scope="col">{period.capitalize()}</th>{head}</tr></thead>'
        f"<tbody>{rows}</tbody></table></div>"
    )


def bar_table(rows: Sequence[tuple[str, int]], title: str) -> str:
    """One row per bar."""
    body = "".join(
        f'<tr><th scope="row">{text(label)}</th><td>{grouped(n)}</td></tr>' for label, n in rows
    )
    return (
        f'<div class="sr-only"><table><caption>{text(title)}</caption><thead><tr>'
        f'<th scope="col">Name</th><th scope="col">Downloads</th></tr></thead>'
        f"<tbody>{body}</tbody></table></div>"
    )
