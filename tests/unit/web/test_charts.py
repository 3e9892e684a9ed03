"""Server-drawn charts: valid XML, nothing that runs or loads, labels escaped and cut, round
increasing ticks, the empty case, and the same bytes for the same data."""

from __future__ import annotations

import itertools
import re
import xml.etree.ElementTree as ET
from datetime import date

import pytest

from modelhub.web.chart_parts import clip, compact, nice_ticks, pick_ticks
from modelhub.web.charts import bar_chart, line_chart

SVG = "{http://www.w3.org/2000/svg}"
HOSTILE = '<script>alert("x")</script>&amp; "quoted" \'single\''
MONTHS = [date(2024, m, 1) for m in range(1, 13)]


def parse(markup: str) -> ET.Element:
    # our own output (no entities, no DTD); raises on anything that is not well-formed XML
    figure = ET.fromstring(str(markup))  # noqa: S314
    assert figure.tag == "figure"
    return figure


def svg_of(figure: ET.Element) -> ET.Element:
    svg = figure.find(f"{SVG}svg")
    assert svg is not None
    return svg


def texts(svg: ET.Element, cls: str) -> list[str]:
    group = svg.find(f"{SVG}g[@class='{cls}']")
    assert group is not None
    return ["".join(t.itertext()) for t in group.iter(f"{SVG}text")]


def assert_inert(markup: str) -> None:
    figure = parse(markup)
    for element in figure.iter():
        assert not element.tag.endswith(("script", "foreignObject", "image", "use", "style"))
        for name, value in element.attrib.items():
            assert not name.lower().startswith("on"), name
            assert "href" not in name.lower(), name
            assert name != "style"
            assert "url(" not in value and "javascript:" not in value.lower()


def test_line_chart_structure_for_screen_readers_and_phones() -> None:
    series = {
        "ilastik": [(d, 10 * i) for i, d in enumerate(MONTHS)],
        "deepImageJ": [(MONTHS[3], 7)],
    }
    markup = line_chart(series, title="Downloads per month", period="month")
    assert_inert(markup)
    svg = svg_of(parse(markup))
    assert svg.get("viewBox", "").startswith("0 0 400 ") and "width" not in svg.attrib
    assert svg.get("role") == "img"
    title, desc = svg.find(f"{SVG}title"), svg.find(f"{SVG}desc")
    assert title is not None and desc is not None
    assert svg.get("aria-labelledby") == title.get("id")
    assert svg.get("aria-describedby") == desc.get("id")
    assert title.text == "Downloads per month"
    assert desc.text == (
        "Downloads per month, 2024-01 to 2024-12: 667 in all (ilastik 660, deepImageJ 7)."
    )
    assert texts(svg, "y-axis") == ["0", "50", "100", "150"]  # highest count: 110
    assert texts(svg, "x-axis") == ["Jan 2024", "Apr 2024", "Jul 2024", "Oct 2024"]
    legend = ["".join(g.itertext()) for g in svg.iter(f"{SVG}g") if g.get("class") == "legend-item"]
    assert legend == ["ilastik", "deepImageJ"]
    # a date missing from a series counts 0: every line has a point per month
    for line in svg.iter(f"{SVG}polyline"):
        assert len(line.get("points", "").split()) == 12
    hidden = parse(markup).find("div")
    assert hidden is not None and hidden.get("class") == "sr-only"
    table = hidden.find("table")
    assert table is not None
    assert [c.text for c in table.iter("th")][:3] == ["Month", "ilastik", "deepImageJ"]


def test_ticks_increase_and_are_round() -> None:
    for top in (0, 1, 3, 7, 10, 99, 101, 1234, 987_654, 1_234_567):
        ticks = nice_ticks(top)
        assert ticks[0] == 0 and ticks[-1] >= top
        assert all(a < b for a, b in itertools.pairwise(ticks))
        step = ticks[1] - ticks[0]
        assert re.fullmatch(r"[125]0*", str(step)), (top, ticks)
        assert len(ticks) <= 6
    assert nice_ticks(0) == [0, 1] and nice_ticks(7) == [0, 2, 4, 6, 8]
    assert pick_ticks(3) == [0, 1, 2] and pick_ticks(31) == [0, 8, 16, 24]


@pytest.mark.parametrize(
    ("n", "shown"),
    [(0, "0"), (999, "999"), (1000, "1k"), (1500, "1.5k"), (15_300, "15.3k"),
     (999_999, "1M"), (1_234_567, "1.2M"), (2_000_000_000, "2G")],
)  # fmt: skip
def test_compact_numbers(n: int, shown: str) -> None:
    assert compact(n) == shown


def test_huge_values_read_short_on_the_axis() -> None:
    markup = line_chart({"bot": [(MONTHS[0], 1_234_567)]}, title="t", period="month")
    svg = svg_of(parse(markup))
    assert texts(svg, "y-axis") == ["0", "500k", "1M", "1.5M"]
    assert "1,234,567" in "".join(svg.find(f"{SVG}desc").itertext())  # type: ignore[union-attr]


def test_user_labels_are_escaped_and_long_ones_cut() -> None:
    long = "x" * 200
    markup = line_chart(
        {HOSTILE: [(MONTHS[0], 3)], long: [(MONTHS[0], 1)]}, title=HOSTILE, period="month"
    )
    assert "<script>" not in markup
    assert_inert(markup)
    svg = svg_of(parse(markup))
    title = svg.find(f"{SVG}title")
    assert title is not None and title.text == HOSTILE  # escaped on the wire, intact when read
    legend = [t for g in svg.iter(f"{SVG}g") if g.get("class") == "legend-item"
              for t in g.iter(f"{SVG}text")]  # fmt: skip
    cut = legend[1]
    assert cut.find(f"{SVG}title") is not None and cut.find(f"{SVG}title").text == long  # type: ignore[union-attr]
    assert cut.find(f"{SVG}title").tail == clip(long, 24)  # type: ignore[union-attr]

    bars = bar_chart([(HOSTILE, 5), (long, 2)], title="Top")
    assert "<script>" not in bars
    assert_inert(bars)
    shown = [t for t in svg_of(parse(bars)).iter(f"{SVG}text")]
    assert "".join(shown[0].itertext()) == HOSTILE  # short enough: shown whole
    assert shown[2].find(f"{SVG}title").text == long  # type: ignore[union-attr]
    assert len(shown[2].find(f"{SVG}title").tail or "") == 52  # type: ignore[union-attr]


def test_empty_zero_and_one_point() -> None:
    for markup in (
        line_chart({}, title="Downloads", period="day"),
        line_chart({"ilastik": []}, title="Downloads", period="day"),
        line_chart({"ilastik": [(MONTHS[0], 0)]}, title="Downloads", period="day"),
        bar_chart([], title="Downloads"),
    ):
        svg = svg_of(parse(markup))
        assert svg.get("role") == "img"
        assert [t.text for t in svg.iter(f"{SVG}text")] == ["No downloads yet"]

    one = svg_of(parse(line_chart({"a": [(date(2024, 3, 5), 4)]}, title="t", period="day")))
    assert list(one.iter(f"{SVG}polyline")) == []
    assert [c.get("cx") for c in one.iter(f"{SVG}circle")] == ["215"]  # in the middle
    assert texts(one, "x-axis") == ["5 Mar"]

    zeros = svg_of(parse(bar_chart([("a", 3), ("b", 0)], title="t")))
    assert len(list(zeros.iter(f"{SVG}rect"))) == 1  # no bar for 0, its figure still shown
    assert [t.text for t in zeros.iter(f"{SVG}text")][-1] == "0"


def test_many_consumers_fold_into_other_and_output_is_deterministic() -> None:
    years = [date(2022, 1, 1), date(2023, 1, 1)]
    series = {f"tool {i}": [(years[0], i + 1), (years[1], 1)] for i in range(9)}
    markup = line_chart(series, title="t", period="year")
    assert markup == line_chart(dict(reversed(series.items())), title="t", period="year")
    svg = svg_of(parse(markup))
    legend = ["".join(g.itertext()) for g in svg.iter(f"{SVG}g") if g.get("class") == "legend-item"]
    assert legend == ["tool 8", "tool 7", "tool 6", "tool 5", "tool 4", "Other"]
    assert texts(svg, "x-axis") == ["2022", "2023"]
