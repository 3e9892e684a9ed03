"""``modelhub serve --demo`` as a real process: migrates, adds the examples once, serves them."""

from __future__ import annotations

import os
import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest

from tests.serving import serve_process
from tests.waiting import eventually

# SQLite only: `serve` keeps its own SQLite database in its data folder on both runs
pytestmark = [pytest.mark.slow, pytest.mark.once]


@dataclass
class Serving:
    url: str
    pid: int


@contextmanager
def serving(data: Path, **settings: str) -> Iterator[Serving]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("MODELHUB_")}
    env["MODELHUB_DATA_DIR"] = str(data)
    env.update({f"MODELHUB_{name.upper()}": value for name, value in settings.items()})
    log = data.parent / "serve.log"
    with serve_process(["--demo"], env=env, log=log, start_s=120) as (url, proc):
        yield Serving(url, proc.pid)


def test_serve_demo_starts_with_examples_once(tmp_path: Path) -> None:
    with serving(tmp_path / "data") as served:
        url = served.url
        # the examples' checks start with the server: a loaded machine may answer slowly
        page = httpx.get(f"{url}/", params={"format": "json"}, timeout=30).json()
        names = [item["name"] for item in page["results"]["items"]]
        types = {item["type"] for item in page["results"]["items"]}
        assert page["results"]["total"] == 6
        assert all("Example" in n for n in names)
        assert types == {"model", "dataset", "notebook", "application"}
        first = {k: v["sha256"] for k, v in httpx.get(f"{url}/id_map.json").json().items()}
        assert (tmp_path / "data" / "modelhub.sqlite3").is_file()
    with serving(tmp_path / "data") as served:  # a restart keeps the data and adds nothing
        answer = httpx.get(f"{served.url}/id_map.json").json()
        again = {k: v["sha256"] for k, v in answer.items()}
        assert again == first


def _jobs(database: Path) -> list[tuple[int, str, int, str | None]]:
    with sqlite3.connect(f"file:{database}?mode=ro", uri=True) as conn:
        rows = conn.execute("SELECT id, status, attempts, lease_owner FROM jobs ORDER BY id")
        return list(rows)


def test_serve_with_web_workers_runs_jobs_once_in_the_supervisor(tmp_path: Path) -> None:
    data = tmp_path / "data"
    # one Dask worker: the checks run one after another, so some are still running when the
    # server answers (a cluster sized from the machine may have finished them all by then)
    with serving(data, web_workers="2", dask_workers="1") as served:
        page = httpx.get(f"{served.url}/", params={"format": "json"}, timeout=30).json()
        assert page["results"]["total"] == 6
        # every demo upload queued a check; the one dispatcher (in the supervising process,
        # not in a web worker) runs each exactly once
        holders: set[str] = set()

        def all_finished() -> list[tuple[int, str, int, str | None]] | None:
            jobs = _jobs(data / "modelhub.sqlite3")
            holders.update(owner for _, status, _, owner in jobs if status == "running" and owner)
            done = all(status in ("succeeded", "failed") for _, status, _, _ in jobs)
            return jobs if len(jobs) == 6 and done else None

        jobs = eventually(
            all_finished,
            timeout=300,
            what=lambda: f"the 6 demo checks finished: {_jobs(data / 'modelhub.sqlite3')}",
        )
    assert [(status, attempts) for _, status, attempts, _ in jobs] == [("succeeded", 1)] * 6
    assert holders
    assert {owner.split("/")[1] for owner in holders} == {str(served.pid)}
