"""What ``fsck`` reports: findings by category, and the exit code they make."""

from __future__ import annotations

import enum
from collections import Counter
from dataclasses import asdict, dataclass, field
from typing import Any


class Category(enum.StrEnum):
    """Kinds of findings. ``gc`` removes every kind except those in ``LOST``."""

    orphan_blob = "orphan_blob"
    """Bytes in storage that no row references (a crash between blob write and commit, or an
    rdf.yaml replaced at publication)."""
    stale_blob_row = "stale_blob_row"
    """A ``blobs`` row no file references and whose bytes are gone."""
    temporary_file = "temporary_file"
    """A file in the storage's ``.tmp`` (a blob write that never finished)."""
    set_aside_blob = "set_aside_blob"
    """A blob a gc moved aside and did not finish with (gc puts it back)."""
    stale_upload = "stale_upload"
    """An upload's staging folder whose process is gone."""
    expired_staging = "expired_staging"
    """A staged upload or wizard fix past its lifetime, or an unmarked staging leftover."""
    leftover_scratch = "leftover_scratch"
    """A check's scratch folder whose worker process is gone."""
    leftover_cgroup = "leftover_cgroup"
    """A check's cgroup whose scratch folder is gone or abandoned."""
    missing_blob = "missing_blob"
    """A row references bytes that are not in storage."""
    size_mismatch = "size_mismatch"
    """A blob's size differs from what its rows record."""
    corrupt_blob = "corrupt_blob"
    """A blob's bytes do not hash to its name (``--verify``)."""


LOST = frozenset({Category.missing_blob, Category.size_mismatch, Category.corrupt_blob})
"""Damage gc cannot repair: restore these blobs from a backup."""

EXIT_CLEAN, EXIT_GARBAGE, EXIT_LOST = 0, 1, 2


@dataclass(frozen=True)
class Finding:
    """One thing found: ``subject`` is a sha256 or a path; ``detail`` says it in words."""

    category: Category
    subject: str
    detail: str
    age_s: float | None = None
    mtime_ns: int | None = field(default=None, repr=False)


@dataclass
class Report:
    """Everything one fsck run found."""

    findings: list[Finding]
    verified: bool = False
    blobs: int = 0
    rows: int = 0

    @property
    def counts(self) -> dict[str, int]:
        counted = Counter(f.category.value for f in self.findings)
        return {c.value: counted[c.value] for c in Category if counted[c.value]}

    @property
    def exit_code(self) -> int:
        """0 nothing found; 1 only leftovers gc removes; 2 data lost (missing/damaged blobs)."""
        if any(f.category in LOST for f in self.findings):
            return EXIT_LOST
        return EXIT_GARBAGE if self.findings else EXIT_CLEAN

    def as_json(self) -> dict[str, Any]:
        items = []
        for finding in self.findings:
            item = asdict(finding)
            item.pop("mtime_ns")
            item["category"] = finding.category.value
            items.append(item)
        return {
            "clean": not self.findings,
            "exit_code": self.exit_code,
            "verified": self.verified,
            "blobs_in_storage": self.blobs,
            "blob_rows": self.rows,
            "counts": self.counts,
            "findings": items,
        }
