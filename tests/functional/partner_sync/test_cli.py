"""``modelhub partners sync --wait`` and ``modelhub mirror`` as real subprocesses: a partner
served from loopback, another hub's collection.json, and an offline copy in a folder."""

from __future__ import annotations

import json
from pathlib import Path

import httpx
import pytest
from sqlalchemy import select

from modelhub.catalog.models import Resource, ResourceVersion
from modelhub.db import transaction
from modelhub.wiring import build_hub
from tests.conftest import LiveServer, hub_settings
from tests.fileserver import FileServer
from tests.functional.cli.common import run_cli
from tests.functional.exports.common import package, publish, upload
from tests.functional.partner_sync.conftest import COLLECTION, collection, dataset, serve

pytestmark = pytest.mark.once


def test_partners_add_then_sync_wait(server: LiveServer, files: FileServer) -> None:
    serve(files, collection(dataset("cells"), {"id": "broken"}))
    env = {"MODELHUB_FETCH_ALLOW_HOSTS": files.host_port}
    added = run_cli(server, "partners", "add", "lab", "--collection", files.url(COLLECTION))
    assert added.returncode == 0, added.stderr
    synced = run_cli(server, "partners", "sync", "lab", "--wait", "--json", env=env)
    assert synced.returncode == 1, synced.stderr  # an entry failed
    data = json.loads(synced.stdout)
    by_key = {e["key"]: e for e in data["entries"]}
    assert by_key["cells"]["resource_id"] == "lab/cells" and by_key["cells"]["status"] == "ok"
    assert by_key["broken"]["error_code"] == "invalid_entry"
    assert data["sync"]["last_success_at"] is not None
    serve(files, collection(dataset("cells")))
    again = run_cli(server, "partners", "sync", "lab", "--wait", env=env)
    assert again.returncode == 0, again.stdout + again.stderr
    assert "entry cells [ok]: lab/cells" in again.stdout
    queued = run_cli(server, "partners", "sync", "lab", "--json")
    assert json.loads(queued.stdout)["status"] == "queued"
    unknown = run_cli(server, "partners", "sync", "nope", "--json")
    assert unknown.returncode == 1 and json.loads(unknown.stdout)["error"]["code"]


def test_mirror_of_another_hub_keeps_ids_and_follows_its_versions(
    server: LiveServer,
    http: httpx.Client,
    admin_token: str,
    migrated_template: str,
    tmp_path: Path,
) -> None:
    first = upload(http, admin_token, package(tmp_path, "Cells of a mirror"))
    publish(http, admin_token, first)
    (tmp_path / "copy").mkdir()
    copy = hub_settings(migrated_template, tmp_path / "copy")
    copy.base_url = "http://127.0.0.1:2"
    origin = httpx.URL(server.url)
    env = {
        "MODELHUB_DATA_DIR": str(copy.data_dir),
        "MODELHUB_DATABASE_URL": copy.resolved_database_url,
        "MODELHUB_FETCH_ALLOW_HOSTS": f"{origin.host}:{origin.port}",
    }
    source = f"{server.url}/collection.json"
    done = run_cli(server, "mirror", source, "--id", "upstream", "--json", env=env)
    assert done.returncode == 0, done.stdout + done.stderr
    assert [r["id"] for r in json.loads(done.stdout)["resources"]] == [first]
    # a new version upstream arrives with the next mirror run
    second = upload(http, admin_token, package(tmp_path, "Cells of a mirror", seed=1),
                    resource_id=first)  # fmt: skip
    assert second == first
    publish(http, admin_token, first)
    again = run_cli(server, "mirror", source, "--id", "upstream", "--json", env=env)
    assert again.returncode == 0, again.stdout + again.stderr
    hub = build_hub(copy)
    try:
        with transaction(hub.sessions) as db:
            resource = db.get(Resource, first)
            assert resource is not None and resource.partner_id == "upstream"
            numbers = db.scalars(
                select(ResourceVersion.number).where(ResourceVersion.resource_id == first)
            ).all()
            assert sorted(n for n in numbers if n is not None) == [1, 2]
    finally:
        hub.engine.dispose()


def test_mirror_of_an_offline_copy_in_a_folder(server: LiveServer, tmp_path: Path) -> None:
    folder = tmp_path / "offline"
    (folder / "affable-shark").mkdir(parents=True)
    (folder / "affable-shark" / "rdf.yaml").write_text(
        json.dumps(dataset("affable-shark", documentation="README.md"))
    )
    (folder / "affable-shark" / "README.md").write_text("# Shark\n")
    items = [{"id": "affable-shark", "type": "dataset", "rdf_source": "affable-shark/rdf.yaml"}]
    (folder / "collection.json").write_text(json.dumps({"collection": items}))
    done = run_cli(server, "mirror", str(folder), "--id", "zoo", "--json")
    assert done.returncode == 0, done.stdout + done.stderr
    data = json.loads(done.stdout)
    assert [r["id"] for r in data["resources"]] == ["affable-shark"]
    assert data["collection_url"].startswith("file:")
    with transaction(server.hub.sessions) as db:
        resource = db.get(Resource, "affable-shark")
        assert resource is not None and resource.partner_id == "zoo" and resource.emoji == "🦈"
