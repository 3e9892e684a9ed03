"""predictions: runs of a model on people's own images, and the blobs each holds

Revision ID: 0019
Revises: 0018
Create Date: 2026-12-05
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import modelhub.db

revision = "0019"
down_revision = "0018"
branch_labels = None
depends_on = None

_STATUSES = ("waiting", "queued", "running", "succeeded", "failed", "cancelled")


def _when(name: str, *, nullable: bool = True) -> sa.Column[object]:
    return sa.Column(name, modelhub.db.UtcDateTime(timezone=True), nullable=nullable)


def upgrade() -> None:
    op.create_table(
        "predictions",
        sa.Column("id", sa.String(length=32), nullable=False),
        sa.Column("batch", sa.String(length=32), nullable=False),
        sa.Column("resource_id", sa.String(length=64), nullable=False),
        sa.Column("version_id", sa.Integer(), nullable=False),
        sa.Column("version_number", sa.Integer(), nullable=True),
        sa.Column("weight_format", sa.String(length=32), nullable=False),
        sa.Column("owner_user_id", sa.Integer(), nullable=True),
        sa.Column("owner_trial", sa.String(length=64), nullable=True),
        sa.Column("client_hash", sa.String(length=64), nullable=True),
        sa.Column(
            "status",
            sa.Enum(*_STATUSES, name="predictionstatus", native_enum=False, length=16),
            nullable=False,
        ),
        sa.Column("inputs", sa.JSON(), nullable=False),
        sa.Column("outputs", sa.JSON(), nullable=False),
        sa.Column("test_input", sa.Boolean(), nullable=False),
        sa.Column("progress", sa.Float(), nullable=False),
        sa.Column("progress_note", sa.String(length=200), nullable=True),
        sa.Column("error_code", sa.String(length=64), nullable=True),
        sa.Column("message", sa.Text(), nullable=True),
        sa.Column("device", sa.String(length=64), nullable=True),
        sa.Column("warm", sa.Boolean(), nullable=True),
        sa.Column("blocks", sa.Integer(), nullable=True),
        sa.Column("load_s", sa.Float(), nullable=True),
        sa.Column("predict_s", sa.Float(), nullable=True),
        sa.Column("duration_s", sa.Float(), nullable=True),
        sa.Column("log", sa.Text(), nullable=False),
        sa.Column("job_id", sa.Integer(), nullable=True),
        _when("created_at", nullable=False),
        _when("queued_at"),
        _when("started_at"),
        _when("finished_at"),
        _when("expires_at", nullable=False),
        sa.ForeignKeyConstraint(
            ["owner_user_id"],
            ["users.id"],
            name=op.f("fk_predictions_owner_user_id_users"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["version_id"],
            ["resource_versions.id"],
            name=op.f("fk_predictions_version_id_resource_versions"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_predictions")),
    )
    op.create_index("ix_predictions_status_created", "predictions", ["status", "created_at"])
    op.create_index("ix_predictions_user_created", "predictions", ["owner_user_id", "created_at"])
    op.create_index("ix_predictions_trial_created", "predictions", ["owner_trial", "created_at"])
    for column in ("batch", "resource_id", "version_id", "client_hash", "expires_at"):
        op.create_index(op.f(f"ix_predictions_{column}"), "predictions", [column])
    op.create_table(
        "prediction_blobs",
        sa.Column("prediction_id", sa.String(length=32), nullable=False),
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.ForeignKeyConstraint(
            ["prediction_id"],
            ["predictions.id"],
            name=op.f("fk_prediction_blobs_prediction_id_predictions"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("prediction_id", "sha256", name=op.f("pk_prediction_blobs")),
    )
    op.create_index(op.f("ix_prediction_blobs_sha256"), "prediction_blobs", ["sha256"])


def downgrade() -> None:
    op.drop_table("prediction_blobs")
    op.drop_table("predictions")
