"""Fixtures of the partner service tests: accounts on a real database."""

from __future__ import annotations

import pytest

from modelhub.accounts import service as accounts
from modelhub.accounts.models import Role
from modelhub.db import transaction
from modelhub.hub import Hub


@pytest.fixture
def people(hub: Hub) -> dict[str, int]:
    """ada (admin), mo and nia (members, nia with an e-mail address): their ids."""
    with transaction(hub.sessions) as db:
        made = [
            accounts.create_user(db, username="ada", role=Role.admin),
            accounts.create_user(db, username="mo"),
            accounts.create_user(db, username="nia", email="Nia@Lab.example.org"),
        ]
        db.flush()
        return {u.username: u.id for u in made}
