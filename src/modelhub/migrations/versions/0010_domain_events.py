"""domain events: the outbox of events recorded with their change, and their deliveries

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-05
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import modelhub.db

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "domain_events",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=64), nullable=False),
        sa.Column("data", sa.JSON(), nullable=False),
        sa.Column("created_at", modelhub.db.UtcDateTime(timezone=True), nullable=False),
        sa.Column("delivered_at", modelhub.db.UtcDateTime(timezone=True), nullable=True),
        sa.Column("failures", sa.Integer(), server_default="0", nullable=False),
        sa.Column("last_error", sa.Text(), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_domain_events")),
    )
    op.create_index(
        op.f("ix_domain_events_created_at"), "domain_events", ["created_at"], unique=False
    )
    op.create_index(
        op.f("ix_domain_events_delivered_at"), "domain_events", ["delivered_at"], unique=False
    )
    op.create_table(
        "domain_event_deliveries",
        sa.Column("event_id", sa.Integer(), nullable=False),
        sa.Column("subscriber", sa.String(length=100), nullable=False),
        sa.Column("delivered_at", modelhub.db.UtcDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["event_id"],
            ["domain_events.id"],
            name=op.f("fk_domain_event_deliveries_event_id_domain_events"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("event_id", "subscriber", name=op.f("pk_domain_event_deliveries")),
    )


def downgrade() -> None:
    op.drop_table("domain_event_deliveries")
    op.drop_index(op.f("ix_domain_events_delivered_at"), table_name="domain_events")
    op.drop_index(op.f("ix_domain_events_created_at"), table_name="domain_events")
    op.drop_table("domain_events")
