"""partners: community partners, their applications, maintainers and automation tokens

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-05
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import modelhub.db

revision = "0012"
down_revision = "0011"
branch_labels = None
depends_on = None


def _when(name: str, *, nullable: bool = True) -> sa.Column[object]:
    return sa.Column(name, modelhub.db.UtcDateTime(timezone=True), nullable=nullable)


def upgrade() -> None:
    op.create_table(
        "partners",
        sa.Column("id", sa.String(length=32), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("about_url", sa.String(length=2000), nullable=True),
        sa.Column("collection_url", sa.String(length=2000), nullable=False),
        sa.Column("test_summary_url", sa.String(length=2000), nullable=True),
        _when("created_at", nullable=False),
        _when("last_sync_attempt_at"),
        _when("last_sync_success_at"),
        sa.Column("last_sync_error", sa.Text(), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_partners")),
    )
    op.create_table(
        "partner_applications",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("applicant_id", sa.Integer(), nullable=True),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("about_url", sa.String(length=2000), nullable=True),
        sa.Column("resources", sa.Text(), nullable=False),
        sa.Column("collection_url", sa.String(length=2000), nullable=False),
        sa.Column("test_summary_url", sa.String(length=2000), nullable=True),
        sa.Column("maintenance_plan", sa.Text(), nullable=False),
        sa.Column("proposed_id", sa.String(length=32), nullable=True),
        sa.Column(
            "status",
            sa.Enum(
                "applied",
                "approved",
                "declined",
                name="applicationstatus",
                native_enum=False,
                length=16,
            ),
            nullable=False,
        ),
        _when("created_at", nullable=False),
        _when("decided_at"),
        sa.Column("decided_by_id", sa.Integer(), nullable=True),
        sa.Column("decision_message", sa.Text(), nullable=True),
        sa.Column("partner_id", sa.String(length=32), nullable=True),
        sa.ForeignKeyConstraint(
            ["applicant_id"],
            ["users.id"],
            name=op.f("fk_partner_applications_applicant_id_users"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["decided_by_id"],
            ["users.id"],
            name=op.f("fk_partner_applications_decided_by_id_users"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["partner_id"],
            ["partners.id"],
            name=op.f("fk_partner_applications_partner_id_partners"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_partner_applications")),
    )
    with op.batch_alter_table("partner_applications") as batch_op:
        batch_op.create_index(batch_op.f("ix_partner_applications_applicant_id"), ["applicant_id"])
        batch_op.create_index(batch_op.f("ix_partner_applications_status"), ["status"])
    op.create_table(
        "partner_maintainers",
        sa.Column("partner_id", sa.String(length=32), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        _when("added_at", nullable=False),
        sa.ForeignKeyConstraint(
            ["partner_id"],
            ["partners.id"],
            name=op.f("fk_partner_maintainers_partner_id_partners"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["users.id"],
            name=op.f("fk_partner_maintainers_user_id_users"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("partner_id", "user_id", name=op.f("pk_partner_maintainers")),
    )
    with op.batch_alter_table("partner_maintainers") as batch_op:
        batch_op.create_index(batch_op.f("ix_partner_maintainers_user_id"), ["user_id"])
    op.create_table(
        "partner_tokens",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("partner_id", sa.String(length=32), nullable=False),
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.Column("prefix", sa.String(length=16), nullable=False),
        sa.Column("token_hash", sa.String(length=64), nullable=False),
        sa.Column("created_by_id", sa.Integer(), nullable=True),
        _when("created_at", nullable=False),
        _when("last_used_at"),
        _when("revoked_at"),
        sa.ForeignKeyConstraint(
            ["created_by_id"],
            ["users.id"],
            name=op.f("fk_partner_tokens_created_by_id_users"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["partner_id"],
            ["partners.id"],
            name=op.f("fk_partner_tokens_partner_id_partners"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_partner_tokens")),
        sa.UniqueConstraint("token_hash", name=op.f("uq_partner_tokens_token_hash")),
    )
    with op.batch_alter_table("partner_tokens") as batch_op:
        batch_op.create_index(batch_op.f("ix_partner_tokens_partner_id"), ["partner_id"])


def downgrade() -> None:
    op.drop_table("partner_tokens")
    op.drop_table("partner_maintainers")
    op.drop_table("partner_applications")
    op.drop_table("partners")
