"""Entries given by URL (an rdf.yaml with its files beside it, a package zip), the collection's
failure modes, and a real package from a partner's server."""

from __future__ import annotations

import io
import json
import zipfile
from pathlib import Path

import httpx
from sqlalchemy import select

from modelhub.catalog.models import ResourceVersion
from modelhub.db import transaction
from modelhub.hub import Hub
from tests.conftest import LiveServer
from tests.fileserver import FileServer, Route
from tests.functional.partner_sync.conftest import (
    COLLECTION,
    add_partner,
    collection,
    dataset,
    detail,
    entries,
    serve,
    sync,
)
from tests.pictures import png


def _files_of(hub: Hub, resource_id: str) -> set[str]:
    with transaction(hub.sessions) as db:
        version = db.scalars(
            select(ResourceVersion).where(ResourceVersion.resource_id == resource_id)
        ).one()
        return {f.path for f in version.files}


def test_real_model_by_rdf_url_is_fetched_with_its_files(
    hub: Hub, files: FileServer, shared_model_dir: Path
) -> None:
    files.serve_folder(shared_model_dir, "/models/unet")
    entry = {"id": "unet", "rdf_source": files.url("/models/unet/bioimageio.yaml")}
    serve(files, collection(entry))
    add_partner(hub, files.url(COLLECTION))
    sync(hub)
    got = entries(hub)["unet"]
    assert got.status == "ok", got
    assert {"rdf.yaml", "weights.pt", "test_input.npy"} <= _files_of(hub, "lab/unet")


def test_package_zip_entry(hub: Hub, files: FileServer) -> None:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as zf:
        zf.writestr("rdf.yaml", json.dumps(dataset("zipped", documentation="README.md")))
        zf.writestr("README.md", "# Zipped\n")
    files.routes["/pkg/zipped.zip"] = Route(body=buffer.getvalue())
    serve(files, collection({"id": "zipped", "rdf_source": files.url("/pkg/zipped.zip")}))
    add_partner(hub, files.url(COLLECTION))
    sync(hub)
    assert entries(hub)["zipped"].status == "ok"
    assert _files_of(hub, "lab/zipped") == {"rdf.yaml", "README.md"}


def test_inline_entry_files_lie_beside_the_collection(hub: Hub, files: FileServer) -> None:
    files.routes["/lab/docs/cells.md"] = Route(body=b"# Cells\n")
    serve(files, collection(dataset("cells", documentation="docs/cells.md")))
    add_partner(hub, files.url(COLLECTION))
    sync(hub)
    assert entries(hub)["cells"].status == "ok"
    assert _files_of(hub, "lab/cells") == {"rdf.yaml", "docs/cells.md"}


def test_broken_entries_are_reported_one_by_one(hub: Hub, files: FileServer) -> None:
    files.routes["/bad/rdf.yaml"] = Route(body=b"type: model\nname: [unclosed")
    files.routes["/gone/rdf.yaml"] = Route(body=b"", status=404)
    serve(
        files,
        collection(
            dataset("cells"),
            dataset("nameless", name=""),
            {"id": "bad", "rdf_source": files.url("/bad/rdf.yaml")},
            {"id": "gone", "rdf_source": files.url("/gone/rdf.yaml")},
            dataset("escape", documentation="../../etc/passwd"),
        ),
    )
    add_partner(hub, files.url(COLLECTION))
    sync(hub)
    got = entries(hub)
    assert got["cells"].status == "ok"
    assert {k for k, e in got.items() if e.status == "failed"} == {
        "nameless", "bad", "gone", "escape",
    }  # fmt: skip
    assert got["bad"].error_code == "invalid_yaml"
    assert got["gone"].error_code.startswith("fetch_")
    assert all(e.error for e in got.values() if e.status == "failed")


def test_slow_private_and_huge_collections_fail_cleanly(hub: Hub, files: FileServer) -> None:
    serve(files, collection(dataset("cells")))
    add_partner(hub, files.url(COLLECTION))
    sync(hub)
    cases = {
        "hang": Route(hang=True),
        "private": Route(status=302, location=f"http://localhost:{files.port}{COLLECTION}"),
        "huge": Route(body=b"#" * (50 * 1024 * 1024)),
    }
    for name, route in cases.items():
        files.routes[COLLECTION] = route
        sync(hub)
        status = detail(hub).sync
        assert status.last_error, name
        assert status.report is not None and status.report["error_code"].startswith("fetch_"), (
            name,
            status,
        )
        assert entries(hub)["cells"].status == "ok", name


def test_the_collection_config_becomes_the_partners_landing_page_and_collection_json(
    server: LiveServer, http: httpx.Client, files: FileServer
) -> None:
    hub = server.hub
    files.routes["/lab/img/logo.png"] = Route(body=png(), content_type="image/png")
    config = {
        "splash_title": "Lab splash",
        "icon": "🦒",
        "logo": "img/logo.png",
        "tags": ["partner-test"],
        "resource_types": ["dataset", "model"],
        "default_type": "dataset",
        "background_image": "img/missing.png",
    }
    serve(files, collection(dataset("cells"), **config))
    add_partner(hub, files.url(COLLECTION))
    sync(hub)
    body = http.get("/api/v1/partners/lab").json()
    look = body["appearance"]
    assert look["customised"], body["sync"]
    assert look["splash_title"] == "Lab splash" and look["default_type"] == "dataset"
    assert look["icon"]["text"] == "🦒"
    logo = http.get(look["logo"]["url"])
    assert logo.status_code == 200 and logo.content == png()
    problems = body["sync"]["report"]["appearance_problems"]
    assert any("background_image" in p for p in problems)  # a broken image fails nothing
    partners = http.get("/collection.json").json()["config"]["partners"]
    assert [p["id"] for p in partners] == ["lab"]
    items = {i["id"] for i in http.get("/collection.json").json()["collection"]}
    assert "lab/cells" in items
