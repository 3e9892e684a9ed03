"""accounts: self sign-up (one-time tokens, hub settings) and profile fields

Revision ID: 0021
Revises: 0020
Create Date: 2026-12-06
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import modelhub.db

revision = "0021"
down_revision = "0020"
branch_labels = None
depends_on = None


def _when(name: str, *, nullable: bool = True) -> sa.Column[object]:
    return sa.Column(name, modelhub.db.UtcDateTime(timezone=True), nullable=nullable)


def upgrade() -> None:
    # plain ADD COLUMN (SQLite has it): a batch copy would reflect the users' expression index
    op.add_column(
        "users",
        sa.Column("email_confirmed", sa.Boolean(), server_default=sa.true(), nullable=False),
    )
    op.add_column("users", sa.Column("display_name", sa.String(length=200), nullable=True))
    op.add_column("users", sa.Column("affiliation", sa.String(length=200), nullable=True))
    op.add_column("users", sa.Column("orcid", sa.String(length=19), nullable=True))
    op.add_column("users", sa.Column("github", sa.String(length=39), nullable=True))
    op.create_table(
        "one_time_tokens",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("purpose", sa.String(length=16), nullable=False),
        sa.Column("token_hash", sa.String(length=64), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=True),
        sa.Column("email", sa.String(length=320), nullable=True),
        sa.Column("created_by_id", sa.Integer(), nullable=True),
        _when("created_at", nullable=False),
        _when("expires_at", nullable=False),
        _when("used_at"),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["users.id"],
            name=op.f("fk_one_time_tokens_user_id_users"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["created_by_id"],
            ["users.id"],
            name=op.f("fk_one_time_tokens_created_by_id_users"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_one_time_tokens")),
        sa.UniqueConstraint("token_hash", name=op.f("uq_one_time_tokens_token_hash")),
    )
    op.create_index(
        op.f("ix_one_time_tokens_user_id"), "one_time_tokens", ["user_id"], unique=False
    )
    op.create_table(
        "hub_settings",
        sa.Column("key", sa.String(length=64), nullable=False),
        sa.Column("value", sa.String(length=255), nullable=False),
        _when("updated_at", nullable=False),
        sa.PrimaryKeyConstraint("key", name=op.f("pk_hub_settings")),
    )


def downgrade() -> None:
    op.drop_table("hub_settings")
    op.drop_index(op.f("ix_one_time_tokens_user_id"), table_name="one_time_tokens")
    op.drop_table("one_time_tokens")
    for column in ("github", "orcid", "affiliation", "display_name", "email_confirmed"):
        op.drop_column("users", column)
