"""Run every benchmark in turn and print their figures."""

from __future__ import annotations

import runpy
import sys
from pathlib import Path

HERE = Path(__file__).parent
sys.path.insert(0, str(HERE))

for name in (
    "upload_publish",
    "download",
    "upload_memory",
    "check_vs_cli",
    "checks_throughput",
    "card_page",
    "search",
    "search_during_publications",
    "exports",
    "partner_sync",
    "oversized_bodies",
    "fsck_gc",
    "faults",
):
    print(f"== {name}")
    runpy.run_path(str(HERE / f"{name}.py"), run_name="__main__")
