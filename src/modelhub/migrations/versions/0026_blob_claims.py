"""blobs.claimed_at: when an upload last claimed the content before relying on stored bytes
(blobs in S3: gc keeps a blob claimed within its grace period)

Revision ID: 0026
Revises: 0025
Create Date: 2026-12-06
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from modelhub.db import UtcDateTime

revision = "0026"
down_revision = "0025"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("blobs", sa.Column("claimed_at", UtcDateTime(timezone=True), nullable=True))


def downgrade() -> None:
    op.drop_column("blobs", "claimed_at")
