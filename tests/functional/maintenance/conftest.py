"""A hub with its own check scratch folder and an admin who uploads and publishes."""

from __future__ import annotations

from pathlib import Path

import pytest

from modelhub.accounts import service as accounts
from modelhub.accounts.models import Role
from modelhub.db import transaction
from modelhub.hub import Hub


@pytest.fixture
def admin_id(hub: Hub, tmp_path: Path) -> int:
    # never the machine's shared scratch folder: other hubs' checks live there
    hub.settings.check_scratch_dir = tmp_path / "scratch"
    with transaction(hub.sessions) as db:
        user = accounts.create_user(db, username="ada", role=Role.admin)
        db.flush()
        return user.id
