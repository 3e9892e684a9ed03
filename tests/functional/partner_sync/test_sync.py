"""Syncing a partner's collection from a real HTTP server on loopback."""

from __future__ import annotations

import json

from sqlalchemy import select

from modelhub.catalog.models import Resource, ResourceVersion
from modelhub.db import transaction
from modelhub.hub import Hub
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


def _versions(hub: Hub, resource_id: str) -> list[ResourceVersion]:
    with transaction(hub.sessions) as db:
        rows = list(
            db.scalars(
                select(ResourceVersion)
                .where(ResourceVersion.resource_id == resource_id)
                .order_by(ResourceVersion.revision)
            )
        )
        for r in rows:
            db.expunge(r)
        return rows


def test_first_sync_publishes_valid_entries_under_the_partner_namespace(
    hub: Hub, files: FileServer
) -> None:
    serve(files, collection(dataset("cells"), dataset("lab/nuclei"), {"id": "broken"}))
    add_partner(hub, files.url(COLLECTION))
    job = sync(hub)
    assert job.status.value == "succeeded", job.error
    got = entries(hub)
    assert set(got) == {"cells", "lab/nuclei", "broken"}, (detail(hub).sync, got)
    assert got["cells"].status == "ok" and got["cells"].resource_id == "lab/cells"
    assert got["lab/nuclei"].resource_id == "lab/nuclei"
    assert got["broken"].status == "failed" and got["broken"].error_code == "invalid_entry"
    with transaction(hub.sessions) as db:
        cells = db.get(Resource, "lab/cells")
        assert cells is not None and cells.partner_id == "lab" and cells.latest_version == 1
    report = detail(hub).sync.report
    assert report is not None and report["added"] == 2 and report["failed"] == 1


def test_unchanged_collection_costs_one_conditional_request(hub: Hub, files: FileServer) -> None:
    serve(files, collection(dataset("cells")))
    add_partner(hub, files.url(COLLECTION))
    sync(hub)
    before = len(files.requests)
    sync(hub)
    assert len(files.requests) == before + 1
    assert "if-none-match" in files.requests[-1].headers
    assert detail(hub).sync.report == {"unchanged_collection": True, "requests": 1}
    assert len(_versions(hub, "lab/cells")) == 1


def test_changed_entry_gets_a_new_version_and_removed_one_is_retired(
    hub: Hub, files: FileServer
) -> None:
    serve(files, collection(dataset("cells"), dataset("tissue")))
    add_partner(hub, files.url(COLLECTION))
    sync(hub)
    serve(files, collection(dataset("cells", description="Better images of cells.")))
    sync(hub)
    cells = _versions(hub, "lab/cells")
    assert [v.number for v in cells] == [1, 2]
    assert cells[-1].description == "Better images of cells."
    tissue = _versions(hub, "lab/tissue")
    assert tissue[0].yanked_at is not None and "No longer listed" in (tissue[0].yank_reason or "")
    assert entries(hub)["tissue"].status == "removed"
    # listed again, unchanged: the retirement is lifted, no new version
    serve(
        files,
        collection(dataset("cells", description="Better images of cells."), dataset("tissue")),
    )
    sync(hub)
    tissue = _versions(hub, "lab/tissue")
    assert len(tissue) == 1 and tissue[0].yanked_at is None


def test_broken_collection_keeps_what_was_last_good(hub: Hub, files: FileServer) -> None:
    serve(files, collection(dataset("cells")))
    add_partner(hub, files.url(COLLECTION))
    sync(hub)
    for body, status, code_word in (
        (b"collection: [unclosed", 200, "not valid YAML"),
        (b"gone", 404, "404"),
        (b"oops", 500, "500"),
    ):
        serve(files, body, status=status)
        sync(hub)
        status_now = detail(hub).sync
        assert status_now.last_error is not None and code_word in status_now.last_error, status_now
        assert entries(hub)["cells"].status == "ok"
        assert _versions(hub, "lab/cells")[0].yanked_at is None


def test_entries_claiming_another_partners_ids_are_refused(hub: Hub, files: FileServer) -> None:
    serve(files, collection(dataset("other/cells"), dataset("cells"), dataset("cells")))
    add_partner(hub, files.url(COLLECTION))
    sync(hub)
    got = entries(hub)
    assert got["other/cells"].error_code == "foreign_id"
    assert got["cells"].status == "ok"
    with transaction(hub.sessions) as db:
        assert db.get(Resource, "other/cells") is None


def test_an_entry_whose_key_changes_keeps_its_resource_listed(hub: Hub, files: FileServer) -> None:
    url_entry = {"rdf_source": files.url("/lab/cells.yaml")}
    files.routes["/lab/cells.yaml"] = Route(body=json.dumps(dataset("cells")).encode())
    serve(files, collection(url_entry))  # no id in the collection: keyed by its URL
    add_partner(hub, files.url(COLLECTION))
    sync(hub)
    assert entries(hub)[files.url("/lab/cells.yaml")].resource_id == "lab/cells"
    serve(files, collection({"id": "cells", **url_entry}))  # now keyed by its id
    sync(hub)
    got = entries(hub)
    assert got["cells"].status == "ok" and got[files.url("/lab/cells.yaml")].status == "removed"
    assert all(v.yanked_at is None for v in _versions(hub, "lab/cells"))
