"""A backup folder, and what goes wrong with one.

OUT/backup.json        format, schema revision, source database, row counts (written last:
                       a folder without it is an unfinished backup)
OUT/tables/<t>.jsonl   every row of table <t>, one JSON object a line
OUT/fulltext.jsonl     the search index's full text per entry (not a mapped table)
OUT/manifest.jsonl     sha256 and size of every blob the database references
OUT/blobs/ab/<sha256>  the blobs themselves (left out with ``--no-blobs``)
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

FORMAT = "modelhub-backup/1"
INFO, TABLES, FULLTEXT, MANIFEST, BLOBS = (
    "backup.json", "tables", "fulltext.jsonl", "manifest.jsonl", "blobs",
)  # fmt: skip

EXIT_REFUSED, EXIT_BLOBS = 1, 2


class BackupProblem(Exception):
    """A backup or restore that cannot go on: ``code`` for scripts, the message for people."""

    def __init__(self, code: str, message: str, *, exit_code: int = EXIT_REFUSED) -> None:
        super().__init__(message)
        self.code = code
        self.message = message
        self.exit_code = exit_code


@dataclass(frozen=True)
class BackupInfo:
    """What ``backup.json`` says."""

    revision: str
    dialect: str
    created_at: str
    blobs_included: bool
    rows: dict[str, int]
    blobs: int
    blob_bytes: int

    def as_json(self) -> dict[str, Any]:
        return {"format": FORMAT, **self.__dict__}


def blob_path(root: Path, sha256: str) -> Path:
    return root / BLOBS / sha256[:2] / sha256


def read_info(root: Path) -> BackupInfo:
    """The description of the backup in ``root``; refuses what is not a whole backup."""
    try:
        data = json.loads((root / INFO).read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise BackupProblem(
            "not_a_backup",
            f"{root} holds no {INFO}: not a backup, or one that did not finish.",
        ) from None
    except (OSError, ValueError) as exc:
        raise BackupProblem("not_a_backup", f"{root / INFO} cannot be read: {exc}") from exc
    if not isinstance(data, dict) or data.pop("format", None) != FORMAT:
        raise BackupProblem("not_a_backup", f"{root / INFO} is not a {FORMAT} description.")
    try:
        return BackupInfo(**data)
    except TypeError as exc:
        raise BackupProblem("not_a_backup", f"{root / INFO} is incomplete: {exc}") from exc


def write_jsonl(path: Path, items: Any) -> int:
    """Write each item as one JSON line; returns how many."""
    count = 0
    with path.open("w", encoding="utf-8") as out:
        for item in items:
            out.write(json.dumps(item, ensure_ascii=False, separators=(",", ":")) + "\n")
            count += 1
    return count


def read_jsonl(path: Path) -> Any:
    with path.open(encoding="utf-8") as src:
        for line in src:
            if line.strip():
                yield json.loads(line)
