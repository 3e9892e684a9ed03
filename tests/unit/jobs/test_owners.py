"""Owner ids: a holder on this machine whose process is gone is known at once."""

from __future__ import annotations

import os
import socket

from modelhub.jobs.owners import new_owner_id, owner_is_gone
from tests.unit.jobs.conftest import dead_owner


def test_owner_ids_are_unique_and_this_process_is_not_gone() -> None:
    first, second = new_owner_id(), new_owner_id()
    assert first != second
    assert not owner_is_gone(first) and not owner_is_gone(second)


def test_a_finished_process_and_an_earlier_one_with_our_pid_are_gone() -> None:
    assert owner_is_gone(dead_owner())
    # a restarted container: the same host name and pid, another process
    assert owner_is_gone(f"{socket.gethostname()}/{os.getpid()}/0123456789ab/1")


def test_when_unsure_the_lease_decides() -> None:
    assert not owner_is_gone(f"elsewhere/{os.getpid()}/0123456789ab/1")
    assert not owner_is_gone("a name given by hand")
    assert not owner_is_gone(f"{socket.gethostname()}/{os.getppid()}/0123456789ab/1")
