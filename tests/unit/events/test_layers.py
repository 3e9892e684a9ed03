"""Publishers record events and never import what reacts to them; jobs know none of their kinds."""

from __future__ import annotations

import ast
from pathlib import Path

import modelhub

SRC = Path(modelhub.__file__).parent
REACTIONS = ("modelhub.search", "modelhub.notifications", "modelhub.webhooks")


def imported_by(paths: list[Path]) -> set[str]:
    found: set[str] = set()
    for path in paths:
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.ImportFrom) and node.module:
                found.add(node.module)
            elif isinstance(node, ast.Import):
                found.update(alias.name for alias in node.names)
    return found


def test_publishers_never_import_the_reactions() -> None:
    publishers = [
        *(SRC / "checks").glob("*.py"),
        *(SRC / "review").glob("*.py"),
        SRC / "catalog" / "service.py",
        SRC / "catalog" / "publishing.py",
    ]
    assert len(publishers) > 20
    wrong = {m for m in imported_by(publishers) if m.startswith(REACTIONS)}
    assert wrong == set()


def test_jobs_know_none_of_their_kinds_nor_the_hub() -> None:
    lower = ("modelhub.checks", "modelhub.notifications", "modelhub.webhooks", "modelhub.hub")
    wrong = {m for m in imported_by(list((SRC / "jobs").glob("*.py"))) if m.startswith(lower)}
    assert wrong == set()


def test_events_stand_on_the_database_layer_only() -> None:
    imported = {m for m in imported_by(list((SRC / "events").glob("*.py"))) if "modelhub" in m}
    assert imported <= {"modelhub.db", "modelhub.events", *(f"modelhub.events.{n}" for n in (
        "announcement", "bus", "models", "outbox", "types"))}  # fmt: skip
