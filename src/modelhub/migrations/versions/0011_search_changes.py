"""search changes: a log of the index's changes, one row per generation

The in-memory copies of the search index read the rows after their own generation and apply
only the entries they name, instead of reading the whole index again after every change.

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-05
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "search_changes",
        sa.Column("generation", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("resource_id", sa.String(length=64), nullable=True),
        sa.PrimaryKeyConstraint("generation", name=op.f("pk_search_changes")),
    )


def downgrade() -> None:
    op.drop_table("search_changes")
