"""users.self_named: the person chose the username (sign-up, an identity provider's claims), so
a GitHub user of that name in a description does not make them its maintainer

Revision ID: 0025
Revises: 0024
Create Date: 2026-12-06
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0025"
down_revision = "0024"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # accounts made before this revision count as named by an admin; a plain ADD COLUMN: a
    # batch copy would reflect (and lose) the users' expression index
    op.add_column(
        "users", sa.Column("self_named", sa.Boolean(), nullable=False, server_default=sa.false())
    )


def downgrade() -> None:
    op.drop_column("users", "self_named")
