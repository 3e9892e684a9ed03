"""``modelhub serve --demo`` as a real process: migrates, adds the examples once, serves them."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx
import pytest

from tests.conftest import free_port

pytestmark = pytest.mark.slow
MODELHUB = Path(sys.executable).parent / "modelhub"


@contextmanager
def serving(data: Path) -> Iterator[str]:
    port = free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("MODELHUB_")}
    env["MODELHUB_DATA_DIR"] = str(data)
    log = data.parent / "serve.log"
    with log.open("ab") as sink:
        proc = subprocess.Popen(
            [str(MODELHUB), "serve", "--demo", "--port", str(port)],
            env=env,
            stdout=sink,
            stderr=sink,
        )
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 120
        while True:
            try:
                if httpx.get(f"{url}/id_map.json", timeout=2).status_code == 200:
                    break
            except httpx.TransportError:
                pass
            if proc.poll() is not None or time.monotonic() > deadline:
                pytest.fail(f"serve did not start: {log.read_text()[-3000:]}")
            time.sleep(0.2)
        yield url
    finally:
        proc.terminate()
        proc.wait(timeout=30)


def test_serve_demo_starts_with_examples_once(tmp_path: Path) -> None:
    with serving(tmp_path / "data") as url:
        page = httpx.get(f"{url}/", params={"format": "json"}).json()
        names = [item["name"] for item in page["results"]["items"]]
        types = {item["type"] for item in page["results"]["items"]}
        assert page["results"]["total"] == 6
        assert all("Example" in n for n in names)
        assert types == {"model", "dataset", "notebook", "application"}
        first = {k: v["sha256"] for k, v in httpx.get(f"{url}/id_map.json").json().items()}
        assert (tmp_path / "data" / "modelhub.sqlite3").is_file()
    with serving(tmp_path / "data") as url:  # a restart keeps the data and adds nothing
        again = {k: v["sha256"] for k, v in httpx.get(f"{url}/id_map.json").json().items()}
        assert again == first
