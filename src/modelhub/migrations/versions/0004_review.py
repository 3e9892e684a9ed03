"""review: lifecycle states, yanking, audit log and comments

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-21
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import modelhub.db

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None

_OLD_STATUSES = ("draft", "superseded", "published")
_NEW_STATUSES = (
    "draft",
    "in_review",
    "changes_requested",
    "published",
    "rejected",
    "withdrawn",
    "superseded",
)


def _status(values: tuple[str, ...], length: int) -> sa.Enum:
    return sa.Enum(*values, name="versionstatus", native_enum=False, length=length)


def upgrade() -> None:
    with op.batch_alter_table("resource_versions", schema=None) as batch_op:
        # "changes_requested" does not fit the old VARCHAR(16)
        batch_op.alter_column(
            "status",
            existing_type=_status(_OLD_STATUSES, 16),
            type_=_status(_NEW_STATUSES, 24),
            existing_nullable=False,
        )
        batch_op.add_column(
            sa.Column("yanked_at", modelhub.db.UtcDateTime(timezone=True), nullable=True)
        )
        batch_op.add_column(sa.Column("yanked_by_id", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("yank_reason", sa.Text(), nullable=True))
        batch_op.create_foreign_key(
            batch_op.f("fk_resource_versions_yanked_by_id_users"), "users", ["yanked_by_id"], ["id"]
        )

    op.create_table(
        "review_events",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("resource_id", sa.String(length=64), nullable=False),
        sa.Column("version_id", sa.Integer(), nullable=False),
        sa.Column("revision", sa.Integer(), nullable=False),
        sa.Column("action", sa.String(length=32), nullable=False),
        sa.Column("from_status", sa.String(length=24), nullable=False),
        sa.Column("to_status", sa.String(length=24), nullable=False),
        sa.Column("actor_id", sa.Integer(), nullable=False),
        sa.Column("message", sa.Text(), nullable=True),
        sa.Column("override_reason", sa.Text(), nullable=True),
        sa.Column("created_at", modelhub.db.UtcDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["actor_id"], ["users.id"], name=op.f("fk_review_events_actor_id_users")
        ),
        sa.ForeignKeyConstraint(
            ["resource_id"],
            ["resources.id"],
            name=op.f("fk_review_events_resource_id_resources"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["version_id"],
            ["resource_versions.id"],
            name=op.f("fk_review_events_version_id_resource_versions"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_review_events")),
    )
    with op.batch_alter_table("review_events", schema=None) as batch_op:
        batch_op.create_index("ix_review_events_resource_id_id", ["resource_id", "id"])
        batch_op.create_index(batch_op.f("ix_review_events_version_id"), ["version_id"])

    op.create_table(
        "review_comments",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("resource_id", sa.String(length=64), nullable=False),
        sa.Column("version_id", sa.Integer(), nullable=False),
        sa.Column("revision", sa.Integer(), nullable=False),
        sa.Column("author_id", sa.Integer(), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("body_html", sa.Text(), nullable=False),
        sa.Column("created_at", modelhub.db.UtcDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["author_id"], ["users.id"], name=op.f("fk_review_comments_author_id_users")
        ),
        sa.ForeignKeyConstraint(
            ["resource_id"],
            ["resources.id"],
            name=op.f("fk_review_comments_resource_id_resources"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["version_id"],
            ["resource_versions.id"],
            name=op.f("fk_review_comments_version_id_resource_versions"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_review_comments")),
    )
    with op.batch_alter_table("review_comments", schema=None) as batch_op:
        batch_op.create_index("ix_review_comments_resource_id_id", ["resource_id", "id"])
        batch_op.create_index(batch_op.f("ix_review_comments_version_id"), ["version_id"])


def downgrade() -> None:
    op.drop_table("review_comments")
    op.drop_table("review_events")
    with op.batch_alter_table("resource_versions", schema=None) as batch_op:
        batch_op.drop_constraint(
            batch_op.f("fk_resource_versions_yanked_by_id_users"), type_="foreignkey"
        )
        batch_op.drop_column("yank_reason")
        batch_op.drop_column("yanked_by_id")
        batch_op.drop_column("yanked_at")
        batch_op.alter_column(
            "status",
            existing_type=_status(_NEW_STATUSES, 24),
            type_=_status(_OLD_STATUSES, 16),
            existing_nullable=False,
        )
