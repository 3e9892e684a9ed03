"""The hub's own gc: at start, then periodically, one process at a time (a lease row)."""

from __future__ import annotations

import asyncio
import time
from pathlib import Path

from modelhub.app import build_hub, create_app
from modelhub.hub import Hub
from modelhub.maintenance import lease
from modelhub.maintenance.models import MaintenanceLease
from modelhub.maintenance.periodic import NAME, run_if_due
from tests.functional.maintenance.common import folder_of_killed_process
from tests.waiting import eventually


def test_one_holder_at_a_time_and_not_again_before_due(hub: Hub) -> None:
    with hub.sessions() as db:
        assert lease.take(db, name="gc", holder="a", due_after_s=0, lease_s=600)
        assert not lease.take(db, name="gc", holder="b", due_after_s=0, lease_s=600)
        lease.give_back(db, name="gc", holder="b", result={"ignored": 1})  # not b's to give
        assert db.get(MaintenanceLease, "gc").holder == "a"  # type: ignore[union-attr]
        lease.give_back(db, name="gc", holder="a", result={"removed": {}})
        assert not lease.take(db, name="gc", holder="b", due_after_s=3600, lease_s=600)
        assert lease.take(db, name="gc", holder="b", due_after_s=0, lease_s=600)


def test_an_expired_lease_is_taken_over(hub: Hub) -> None:
    with hub.sessions() as db:
        assert lease.take(db, name="gc", holder="dead", due_after_s=0, lease_s=0.05)
        time.sleep(0.1)  # let the lease run out (no timing is asserted)
        assert lease.take(db, name="gc", holder="alive", due_after_s=0, lease_s=600)
        assert db.get(MaintenanceLease, "gc").holder == "alive"  # type: ignore[union-attr]


def test_two_processes_on_one_database_run_gc_once(hub: Hub, admin_id: int) -> None:
    other = build_hub(hub.settings)
    try:
        first = run_if_due(hub, holder="one", due_after_s=60)
        second = run_if_due(other, holder="two", due_after_s=60)
    finally:
        other.engine.dispose()
    assert first is not None and second is None
    with hub.sessions() as db:
        row = db.get(MaintenanceLease, NAME)
        assert row is not None and row.holder is None and row.last_finished_at is not None
        assert row.last_result == {"removed": {}, "kept": {}, "lost": 0}


def test_the_hub_cleans_up_after_a_killed_process_at_start(
    hub: Hub, admin_id: int, tmp_path: Path
) -> None:
    dead = folder_of_killed_process(hub.settings.staging_dir, "upload-")
    (dead / "upload.zip").write_bytes(b"PK half a package")
    app = create_app(hub=hub)

    async def start_then_wait() -> MaintenanceLease:
        async with app.router.lifespan_context(app):  # the app's real start and stop

            def finished() -> MaintenanceLease | None:
                """the start-up gc ran"""
                with hub.sessions() as db:
                    row = db.get(MaintenanceLease, NAME)
                    return row if row is not None and row.last_finished_at is not None else None

            # waits in a thread: the event loop goes on serving the app's start-up work
            return await asyncio.to_thread(eventually, finished, timeout=60)

    row = asyncio.run(start_then_wait())
    assert row.last_result == {"removed": {"stale_upload": 1}, "kept": {}, "lost": 0}
    assert not dead.exists()
