"""The desk's comparisons: field summary, line diff of the descriptions, file changes."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from modelhub.review.desk import field_changes, file_changes, rdf_diff
from modelhub.review.pages import waited

BASE: dict[str, Any] = {
    "name": "Nuclei",
    "description": "Finds nuclei.",
    "tags": ["2d", "nuclei"],
    "license": "MIT",
    "authors": [{"name": "Ada"}],
    "weights": {"torchscript": {"source": "w.pt", "sha256": "a" * 64}},
    "inputs": [{"id": "raw"}],
    "outputs": [{"id": "mask"}],
    "covers": ["cover.png"],
    "documentation": "README.md",
}
FILES = {"README.md": "1" * 64, "cover.png": "2" * 64, "w.pt": "3" * 64}


def _changes(after: dict[str, Any], files: dict[str, str] = FILES) -> dict[str, str]:
    rows = field_changes(BASE, after, before_files=FILES, after_files=files)
    return {r.field: r.change for r in rows if r.change != "unchanged"}


def test_the_same_description_changes_nothing() -> None:
    assert _changes(dict(BASE)) == {}
    # tag order is not a change
    assert _changes({**BASE, "tags": ["nuclei", "2d"]}) == {}


def test_fields_are_added_removed_or_changed() -> None:
    after = {
        **BASE,
        "description": "Finds nuclei in 2D.",
        "weights": {**BASE["weights"], "onnx": {"source": "w.onnx"}},
        "outputs": [{"id": "mask"}, {"id": "boundaries"}],
        "license": "",
        "covers": [],
        "authors": [{"name": "Ada"}, {"name": "Grace"}],
    }
    del after["documentation"]
    assert _changes(after) == {
        "description": "changed",
        "weights": "changed",
        "outputs": "changed",
        "license": "removed",
        "covers": "removed",
        "authors": "changed",
        "documentation": "removed",
    }
    assert _changes({**BASE, "license": ""}) == {"license": "removed"}
    rows = field_changes({**BASE, "license": None}, BASE, before_files=FILES, after_files=FILES)
    assert {r.field: (r.change, r.before, r.after) for r in rows}["license"] == (
        "added", "", "MIT"
    )  # fmt: skip


def test_a_new_file_under_the_same_name_is_a_change() -> None:
    assert _changes(dict(BASE), {**FILES, "README.md": "9" * 64}) == {"documentation": "changed"}
    assert _changes(dict(BASE), {**FILES, "cover.png": "9" * 64}) == {"covers": "changed"}


def test_long_values_are_shortened_for_the_table() -> None:
    after = {**BASE, "description": "x" * 5000}
    row = next(r for r in field_changes(BASE, after, before_files={}, after_files={})
               if r.field == "description")  # fmt: skip
    assert row.change == "changed" and len(row.after) == 300 and row.after.endswith("…")


def test_rdf_diff_classifies_lines() -> None:
    before = "name: a\ntags: [x]\nlicense: MIT\n"
    after = "name: a\ntags: [y]\nlicense: MIT\ncovers: [c.png]\n"
    lines, cut = rdf_diff(before, after, before_label="rdf.yaml (v1)", after_label="rdf.yaml (r2)")
    assert not cut
    assert [(line.kind, line.text) for line in lines] == [
        ("meta", "--- rdf.yaml (v1)"),
        ("meta", "+++ rdf.yaml (r2)"),
        ("hunk", "@@ -1,3 +1,4 @@"),
        ("same", " name: a"),
        ("del", "-tags: [x]"),
        ("add", "+tags: [y]"),
        ("same", " license: MIT"),
        ("add", "+covers: [c.png]"),
    ]
    assert rdf_diff("a\n", "a\n", before_label="x", after_label="y") == ([], False)


def test_rdf_diff_is_cut_at_the_limit() -> None:
    before = "\n".join(f"line {i}" for i in range(100))
    lines, cut = rdf_diff(before, "", before_label="x", after_label="y", limit=10)
    assert cut and len(lines) == 10


def test_file_changes_by_sha256() -> None:
    before = {"a.txt": "1", "b.txt": "2", "c.txt": "3"}
    after = {"a.txt": "1", "b.txt": "9", "d.txt": "4"}
    rows, same = file_changes(before, after)
    assert [(r.path, r.change, r.before_sha256, r.after_sha256) for r in rows] == [
        ("b.txt", "changed", "2", "9"),
        ("c.txt", "removed", "3", None),
        ("d.txt", "added", None, "4"),
    ]
    assert same == 1


def test_waiting_time_reads_naturally() -> None:
    now = datetime(2025, 1, 10, tzinfo=UTC)
    assert waited(now - timedelta(days=3, hours=2), now) == "3 days"
    assert waited(now - timedelta(hours=1, minutes=5), now) == "1 hour"
    assert waited(now - timedelta(minutes=7), now) == "7 minutes"
    assert waited(now - timedelta(seconds=5), now) == "less than a minute"
    assert waited(now + timedelta(seconds=5), now) == "less than a minute"
