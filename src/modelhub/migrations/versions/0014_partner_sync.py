"""partner sync: the entries of partners' collections, and where partners' resources come from

``partner_entries`` holds each entry of a partner's collection as the syncs saw it; partners get
what a conditional request of their collection needs and the report of their last sync;
``resources.partner_id`` names the partner whose collection a resource comes from.

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-05
"""

from __future__ import annotations

import warnings

import sqlalchemy as sa
from alembic import op

import modelhub.db

revision = "0014"
down_revision = "0013"
branch_labels = None
depends_on = None


def _when(name: str) -> sa.Column[object]:
    return sa.Column(name, modelhub.db.UtcDateTime(timezone=True), nullable=True)


def upgrade() -> None:
    with op.batch_alter_table("partners") as batch:
        batch.add_column(sa.Column("collection_etag", sa.String(length=500), nullable=True))
        batch.add_column(
            sa.Column("collection_last_modified", sa.String(length=100), nullable=True)
        )
        batch.add_column(sa.Column("collection_digest", sa.String(length=64), nullable=True))
        batch.add_column(sa.Column("sync_count", sa.Integer(), nullable=False, server_default="0"))
        batch.add_column(sa.Column("last_sync_report", sa.JSON(), nullable=True))
        batch.add_column(
            sa.Column("read_only", sa.Boolean(), nullable=False, server_default=sa.false())
        )
    with warnings.catch_warnings(), op.batch_alter_table("resources") as batch:
        # SQLite: rebuilding the table reflects ``users`` too, whose lower(email) index it skips
        warnings.filterwarnings("ignore", "Skipped unsupported reflection of expression-based")
        batch.add_column(sa.Column("partner_id", sa.String(length=32), nullable=True))
        batch.create_index(batch.f("ix_resources_partner_id"), ["partner_id"], unique=False)
        batch.create_foreign_key(
            batch.f("fk_resources_partner_id_partners"),
            "partners",
            ["partner_id"],
            ["id"],
            ondelete="SET NULL",
        )
    op.create_table(
        "partner_entries",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("partner_id", sa.String(length=32), nullable=False),
        sa.Column("key", sa.String(length=2000), nullable=False),
        sa.Column("source", sa.String(length=2000), nullable=False),
        sa.Column("resource_id", sa.String(length=64), nullable=True),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("fingerprint", sa.String(length=64), nullable=True),
        sa.Column("error", sa.Text(), nullable=True),
        sa.Column("error_code", sa.String(length=64), nullable=True),
        sa.Column("error_details", sa.JSON(), nullable=True),
        _when("last_attempt_at"),
        _when("last_success_at"),
        sa.ForeignKeyConstraint(
            ["partner_id"],
            ["partners.id"],
            name=op.f("fk_partner_entries_partner_id_partners"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["resource_id"],
            ["resources.id"],
            name=op.f("fk_partner_entries_resource_id_resources"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_partner_entries")),
        sa.UniqueConstraint("partner_id", "key", name=op.f("uq_partner_entries_partner_id_key")),
    )
    op.create_index(
        op.f("ix_partner_entries_resource_id"), "partner_entries", ["resource_id"], unique=False
    )


def downgrade() -> None:
    op.drop_index(op.f("ix_partner_entries_resource_id"), table_name="partner_entries")
    op.drop_table("partner_entries")
    with warnings.catch_warnings(), op.batch_alter_table("resources") as batch:
        warnings.filterwarnings("ignore", "Skipped unsupported reflection of expression-based")
        batch.drop_constraint(batch.f("fk_resources_partner_id_partners"), type_="foreignkey")
        batch.drop_index(batch.f("ix_resources_partner_id"))
        batch.drop_column("partner_id")
    with op.batch_alter_table("partners") as batch:
        for column in (
            "read_only",
            "last_sync_report",
            "sync_count",
            "collection_digest",
            "collection_last_modified",
            "collection_etag",
        ):
            batch.drop_column(column)
