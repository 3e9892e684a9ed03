"""A backup reads one state of the database: what another connection commits while it reads
is not in it (SQLite: one read transaction under WAL; PostgreSQL: REPEATABLE READ)."""

from __future__ import annotations

from sqlalchemy import func, select

from modelhub.accounts import service as accounts
from modelhub.accounts.models import User
from modelhub.backups.backup import snapshot
from modelhub.db import transaction
from modelhub.hub import Hub


def test_the_snapshot_does_not_see_later_commits(hub: Hub) -> None:
    with transaction(hub.sessions) as db:
        accounts.create_user(db, username="before")
    users = select(func.count()).select_from(User)
    with snapshot(hub.engine) as conn:
        assert conn.scalar(users) == 1
        with transaction(hub.sessions) as db:
            accounts.create_user(db, username="during")
        assert conn.scalar(users) == 1
    with hub.engine.connect() as conn:
        assert conn.scalar(users) == 2
