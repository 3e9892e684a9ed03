"""A partner approved in the hub is synced at once by the hub's dispatcher, on its Dask
workers, like any job."""

from __future__ import annotations

import httpx
import pytest

from modelhub.wiring import register_job_kinds, start_dispatcher
from tests.conftest import LiveServer, auth
from tests.fileserver import FileServer
from tests.functional.partner_sync.conftest import COLLECTION, collection, dataset, serve
from tests.functional.partners.common import apply
from tests.waiting import eventually

pytestmark = pytest.mark.slow


def test_approval_syncs_on_the_workers(
    server: LiveServer,
    http: httpx.Client,
    files: FileServer,
    admin_token: str,
    member_token: str,
) -> None:
    serve(files, collection(dataset("cells")))
    register_job_kinds(server.hub)  # again: with the loopback file server allowed
    dispatcher = start_dispatcher(server.hub)
    try:
        application = apply(http, member_token, collection_url=files.url(COLLECTION))
        decided = http.post(
            f"/api/v1/partners/applications/{application['id']}/approve",
            json={"partner_id": "lab"},
            headers=auth(admin_token),
        )
        assert decided.status_code == 200, decided.text

        def synced() -> bool:
            return bool(http.get("/api/v1/partners/lab").json()["sync"]["last_success_at"])

        eventually(synced, timeout=120, interval=0.5, what="the first sync of the partner")
        body = http.get("/api/v1/partners/lab").json()
        assert [r["id"] for r in body["resources"]] == ["lab/cells"]
    finally:
        dispatcher.stop()
        server.hub.jobs = None
