"""Run every benchmark in turn and print their figures.

Two are left out, being long and taking the whole machine: ``crowd.py`` (20, 200 and 500
clients, 30 s each) and ``load.py`` (200 locust clients for 60 s against one replica and then
two behind nginx, on a PostgreSQL database it drops and creates: about 5 minutes, and it needs
PostgreSQL and nginx). Run them on their own; docs/capacity.md says how."""

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
