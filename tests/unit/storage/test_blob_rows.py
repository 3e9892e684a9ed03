"""Two changes storing the same bytes at once both commit: the second one's blob row is not a
primary-key clash (two concurrent uploads sharing a file were refused 409 concurrent_upload)."""

from __future__ import annotations

import threading

from sqlalchemy import func, select

from modelhub.hub import Hub
from modelhub.storage.models import Blob
from modelhub.storage.service import committed_blobs

SHARED = b"the same weights in two packages"


def test_two_changes_storing_the_same_bytes_at_once_both_commit(hub: Hub) -> None:
    first_stored = threading.Event()
    second_done = threading.Event()
    errors: list[BaseException] = []

    def second() -> None:
        try:
            first_stored.wait(timeout=10)
            with (
                hub.sessions() as db,
                committed_blobs(db, hub.storage, hub.sessions, purpose="test") as batch,
            ):
                # the first change has stored the same bytes and not committed yet
                batch.put_bytes(SHARED)
        except BaseException as exc:  # reported by the main thread
            errors.append(exc)
        finally:
            second_done.set()

    worker = threading.Thread(target=second)
    worker.start()
    with (
        hub.sessions() as db,
        committed_blobs(db, hub.storage, hub.sessions, purpose="test") as batch,
    ):
        stored = batch.put_bytes(SHARED)
        first_stored.set()
        # both databases make the second insert wait for this commit: let it get there
        second_done.wait(timeout=1)
    worker.join(timeout=30)
    assert not worker.is_alive()
    assert errors == []
    with hub.sessions() as db:
        rows = db.scalar(select(func.count()).select_from(Blob).where(Blob.sha256 == stored.sha256))
    assert rows == 1
    assert hub.storage.exists(stored.sha256)
