"""maintenance leases: one periodic gc at a time across the hub's processes

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-04
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import modelhub.db

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "maintenance_leases",
        sa.Column("name", sa.String(length=64), nullable=False),
        sa.Column("holder", sa.String(length=255), nullable=True),
        sa.Column("expires_at", modelhub.db.UtcDateTime(timezone=True), nullable=True),
        sa.Column("last_started_at", modelhub.db.UtcDateTime(timezone=True), nullable=True),
        sa.Column("last_finished_at", modelhub.db.UtcDateTime(timezone=True), nullable=True),
        sa.Column("last_result", sa.JSON(none_as_null=True), nullable=True),
        sa.PrimaryKeyConstraint("name", name=op.f("pk_maintenance_leases")),
    )


def downgrade() -> None:
    op.drop_table("maintenance_leases")
