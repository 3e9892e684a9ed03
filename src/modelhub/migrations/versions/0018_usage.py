"""usage analytics: raw download events, daily rollups, the fold's watermark, DOIs, salts

``usage_events`` is append-only (expired after the retention period); ``usage_rollups`` holds
downloads per day, resource, version, consumer software and people/bots; ``usage_state`` the
last folded event; ``usage_dois`` the DOIs published versions give for themselves;
``usage_salts`` the random salt of each day for visitor hashes (two days kept).

Revision ID: 0018
Revises: 0017
Create Date: 2026-12-10
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import modelhub.db

revision = "0018"
down_revision = "0017"
branch_labels = None
depends_on = None

_BIG_ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    op.create_table(
        "usage_events",
        sa.Column("id", _BIG_ID, autoincrement=True, nullable=False),
        sa.Column("at", modelhub.db.UtcDateTime(timezone=True), nullable=False),
        sa.Column("resource_id", sa.String(length=64), nullable=False),
        sa.Column("version_number", sa.Integer(), nullable=False),
        sa.Column("consumer", sa.String(length=64), nullable=False),
        sa.Column("consumer_version", sa.String(length=64), nullable=False),
        sa.Column("visitor", sa.String(length=32), nullable=False),
        sa.Column("is_bot", sa.Boolean(), nullable=False),
        sa.Column("origin", sa.String(length=8), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_usage_events")),
    )
    op.create_index("ix_usage_events_visitor_at", "usage_events", ["visitor", "at"])
    op.create_index("ix_usage_events_at", "usage_events", ["at"])
    op.create_table(
        "usage_rollups",
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("resource_id", sa.String(length=64), nullable=False),
        sa.Column("version_number", sa.Integer(), nullable=False),
        sa.Column("consumer", sa.String(length=64), nullable=False),
        sa.Column("consumer_version", sa.String(length=64), nullable=False),
        sa.Column("is_bot", sa.Boolean(), nullable=False),
        sa.Column("hits", sa.BigInteger(), nullable=False),
        sa.Column("downloads", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint(
            "day",
            "resource_id",
            "version_number",
            "consumer",
            "consumer_version",
            "is_bot",
            name=op.f("pk_usage_rollups"),
        ),
    )
    op.create_index("ix_usage_rollups_resource_day", "usage_rollups", ["resource_id", "day"])
    op.create_table(
        "usage_state",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("last_event_id", sa.BigInteger(), nullable=False),
        sa.Column("folded_at", modelhub.db.UtcDateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_usage_state")),
    )
    op.create_table(
        "usage_dois",
        sa.Column("doi", sa.String(length=255), nullable=False),
        sa.Column("resource_id", sa.String(length=64), nullable=False),
        sa.Column("version_number", sa.Integer(), nullable=True),
        sa.PrimaryKeyConstraint("doi", name=op.f("pk_usage_dois")),
    )
    op.create_index(op.f("ix_usage_dois_resource_id"), "usage_dois", ["resource_id"])
    op.create_table(
        "usage_salts",
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("salt", sa.String(length=64), nullable=False),
        sa.PrimaryKeyConstraint("day", name=op.f("pk_usage_salts")),
    )


def downgrade() -> None:
    op.drop_table("usage_salts")
    op.drop_index(op.f("ix_usage_dois_resource_id"), table_name="usage_dois")
    op.drop_table("usage_dois")
    op.drop_table("usage_state")
    op.drop_index("ix_usage_rollups_resource_day", table_name="usage_rollups")
    op.drop_table("usage_rollups")
    op.drop_index("ix_usage_events_at", table_name="usage_events")
    op.drop_index("ix_usage_events_visitor_at", table_name="usage_events")
    op.drop_table("usage_events")
