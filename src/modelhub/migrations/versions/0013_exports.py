"""exports: the rows of collection.json and index.json, and their state

One row per published resource holds its collection item and its index entry as JSON text;
the state row holds the generation the documents' ETags come from. A hub that already has
published resources gets the mark ``needs_rebuild``: ``modelhub serve`` (or
``modelhub exports rebuild``) writes the rows from the catalog.

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-06
"""

from __future__ import annotations

from datetime import UTC, datetime

import sqlalchemy as sa
from alembic import op

import modelhub.db

revision = "0013"
down_revision = "0012"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "export_entries",
        sa.Column("resource_id", sa.String(length=64), nullable=False),
        sa.Column("type", sa.String(length=16), nullable=False),
        sa.Column("generation", sa.BigInteger(), nullable=False),
        sa.Column("item", sa.Text(), nullable=False),
        sa.Column("index_entry", sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(
            ["resource_id"],
            ["resources.id"],
            name=op.f("fk_export_entries_resource_id_resources"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("resource_id", name=op.f("pk_export_entries")),
    )
    op.create_index(
        op.f("ix_export_entries_generation"), "export_entries", ["generation"], unique=False
    )
    state = op.create_table(
        "export_state",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("generation", sa.BigInteger(), nullable=False),
        sa.Column("changed_at", modelhub.db.UtcDateTime(timezone=True), nullable=False),
        sa.Column("links", sa.String(length=2048), nullable=False),
        sa.Column("needs_rebuild", sa.Boolean(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_export_state")),
    )
    published = op.get_bind().scalar(
        sa.text("SELECT count(*) FROM resource_versions WHERE status = 'published'")
    )
    op.bulk_insert(
        state,
        [
            {
                "id": 1,
                "generation": 0,
                "changed_at": datetime.now(UTC),
                "links": "",
                "needs_rebuild": bool(published),
            }
        ],
    )


def downgrade() -> None:
    op.drop_table("export_state")
    op.drop_index(op.f("ix_export_entries_generation"), table_name="export_entries")
    op.drop_table("export_entries")
