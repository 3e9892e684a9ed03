"""partner appearance: the collection's ``config`` on each partner, and its images

``partners.appearance`` holds the checked texts, lists and emoji of the partner's collection
``config`` (empty until a sync stored one); ``partner_images`` holds the logo, icon and
background image copied into the hub's storage (their blobs are kept by gc).

Revision ID: 0017
Revises: 0016
Create Date: 2026-12-08
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import modelhub.db

revision = "0017"
down_revision = "0016"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("partners", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("appearance", sa.JSON(), nullable=False, server_default=sa.text("'{}'"))
        )
    with op.batch_alter_table("partners", schema=None) as batch_op:
        batch_op.alter_column("appearance", server_default=None)
    op.create_table(
        "partner_images",
        sa.Column("partner_id", sa.String(length=32), nullable=False),
        sa.Column("field", sa.String(length=32), nullable=False),
        sa.Column("blob_sha256", sa.String(length=64), nullable=False),
        sa.Column("media_type", sa.String(length=64), nullable=False),
        sa.Column("size", sa.BigInteger(), nullable=False),
        sa.Column("source_url", sa.String(length=2000), nullable=False),
        sa.Column("stored_at", modelhub.db.UtcDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["blob_sha256"],
            ["blobs.sha256"],
            name=op.f("fk_partner_images_blob_sha256_blobs"),
        ),
        sa.ForeignKeyConstraint(
            ["partner_id"],
            ["partners.id"],
            name=op.f("fk_partner_images_partner_id_partners"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("partner_id", "field", name=op.f("pk_partner_images")),
    )
    with op.batch_alter_table("partner_images") as batch_op:
        batch_op.create_index(batch_op.f("ix_partner_images_blob_sha256"), ["blob_sha256"])


def downgrade() -> None:
    with op.batch_alter_table("partner_images") as batch_op:
        batch_op.drop_index(batch_op.f("ix_partner_images_blob_sha256"))
    op.drop_table("partner_images")
    with op.batch_alter_table("partners", schema=None) as batch_op:
        batch_op.drop_column("appearance")
