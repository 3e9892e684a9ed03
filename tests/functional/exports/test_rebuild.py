"""The backfill: a hub upgraded from before the exports gets the mark, and ``modelhub exports
rebuild`` (or ``modelhub serve`` at start) writes the rows; other addresses rebuild too."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import httpx
from alembic import command
from alembic.config import Config
from sqlalchemy import func, select

from modelhub.db import MIGRATIONS_DIR
from modelhub.exports.models import ExportEntry
from modelhub.exports.service import rebuild_if_needed, state_now
from modelhub.exports.urls import export_urls
from tests.conftest import LiveServer
from tests.functional.exports.common import package, publish, upload
from tests.serving import MODELHUB


def _alembic(url: str) -> Config:
    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS_DIR))
    cfg.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    cfg.attributes["configure_logger"] = False
    return cfg


def _rows(server: LiveServer) -> int:
    with server.hub.sessions() as db:
        return int(db.scalar(select(func.count()).select_from(ExportEntry)) or 0)


def test_an_upgraded_hub_is_marked_and_the_command_rebuilds_it(
    server: LiveServer, http: httpx.Client, admin_token: str, tmp_path: Path
) -> None:
    for n in range(2):
        rid = upload(http, admin_token, package(tmp_path, f"Resource {n}", seed=n))
        publish(http, admin_token, rid)
    before = http.get("/collection.json").content
    hub = server.hub
    url = hub.settings.resolved_database_url
    hub.engine.dispose()
    cfg = _alembic(url)
    command.downgrade(cfg, "0012")  # the hub as it was before the exports
    command.upgrade(cfg, "head")
    with hub.sessions() as db:
        marked = state_now(db)
    assert marked is not None and (marked.needs_rebuild, marked.generation) == (True, 0)
    assert _rows(server) == 0

    env = {k: v for k, v in os.environ.items() if not k.startswith("MODELHUB_")}
    env.update(
        MODELHUB_DATA_DIR=str(hub.settings.data_dir),
        MODELHUB_DATABASE_URL=url,
        MODELHUB_BASE_URL=server.url,
    )
    done = subprocess.run(
        [str(MODELHUB), "exports", "rebuild"],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert (done.returncode, done.stdout) == (0, "exports rebuilt: 2 published resource(s)\n")
    with hub.sessions() as db:
        state = state_now(db)
    assert state is not None and (state.needs_rebuild, state.generation) == (False, 1)
    assert _rows(server) == 2
    # what serve does at start: nothing left to do
    assert rebuild_if_needed(hub.sessions, urls=export_urls(hub.settings)) is None
    assert http.get("/collection.json").content == before


def test_serve_start_rebuilds_a_marked_hub_and_other_addresses_rebuild_on_the_next_read(
    server: LiveServer, http: httpx.Client, admin_token: str, tmp_path: Path
) -> None:
    rid = upload(http, admin_token, package(tmp_path, "Nuclei images"))
    publish(http, admin_token, rid)
    hub = server.hub
    with hub.sessions() as db:
        db.query(ExportEntry).delete()
        db.commit()
    hub.engine.dispose()
    cfg = _alembic(hub.settings.resolved_database_url)
    command.downgrade(cfg, "0012")
    command.upgrade(cfg, "head")
    assert rebuild_if_needed(hub.sessions, urls=export_urls(hub.settings)) == 1
    assert rebuild_if_needed(hub.sessions, urls=export_urls(hub.settings)) is None
    source = f"{server.url}/artifacts/{rid}/v1/files/rdf.yaml"
    assert http.get("/collection.json").json()["collection"][0]["rdf_source"] == source

    hub.settings.base_url = "https://hub.example"  # the hub moved: rows name the new address
    moved = http.get("/collection.json").json()
    assert moved["config"]["url_root"] == "https://hub.example"
    rdf_source = moved["collection"][0]["rdf_source"]
    assert rdf_source == f"https://hub.example/artifacts/{rid}/v1/files/rdf.yaml"
    assert http.get("/index.json").json()["items"][0]["versions"][0]["source"] == rdf_source
