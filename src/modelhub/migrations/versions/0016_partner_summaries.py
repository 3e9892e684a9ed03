"""partner test summaries, compatibility bits of the catalog, summary pulls, partners' CI hooks

Partners' test summaries per (resource, version, partner, tool, tool version, test); the bit of
each consumer in the new ``search_entries.compat_mask`` (the "works with" filter) and the
badges in ``search_entries.compatible``; each partner's pull state; the signed notices to a
partner's CI hook (``partners.ci_webhook_url`` and its secret). A hub with published resources
is marked for a search rebuild: the hub's checks already make some of them compatible.

Revision ID: 0016
Revises: 0014
Create Date: 2026-12-07
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import modelhub.db

revision = "0016"
down_revision = "0014"
branch_labels = None
depends_on = None

# the ``search_state`` row that asks the hub to build the index (``search.models.REBUILD_MARK``)
_REBUILD_MARK = 2


def _when(name: str, *, nullable: bool = True) -> sa.Column[object]:
    return sa.Column(name, modelhub.db.UtcDateTime(timezone=True), nullable=nullable)


def _enum(name: str, *values: str) -> sa.Enum:
    return sa.Enum(*values, name=name, native_enum=False, length=16)


def _partner_fk(table: str) -> sa.ForeignKeyConstraint:
    return sa.ForeignKeyConstraint(
        ["partner_id"],
        ["partners.id"],
        name=op.f(f"fk_{table}_partner_id_partners"),
        ondelete="CASCADE",
    )


def upgrade() -> None:
    op.create_table(
        "partner_summaries",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("resource_id", sa.String(length=64), nullable=False),
        sa.Column("version_number", sa.Integer(), nullable=False),
        sa.Column("partner_id", sa.String(length=32), nullable=False),
        sa.Column("tool", sa.String(length=100), nullable=False),
        sa.Column("tool_version", sa.String(length=100), nullable=False),
        sa.Column("test", sa.String(length=200), nullable=False),
        sa.Column(
            "status", _enum("summarystatus", "passed", "failed", "not_applicable"), nullable=False
        ),
        sa.Column("error", sa.Text(), nullable=True),
        sa.Column("score", sa.Float(), nullable=True),
        sa.Column("shape", _enum("summaryshape", "test_summary", "report"), nullable=False),
        sa.Column("document", sa.JSON(), nullable=False),
        sa.Column("origin", _enum("summaryorigin", "push", "pull"), nullable=False),
        sa.Column("source_url", sa.String(length=2000), nullable=True),
        _when("received_at", nullable=False),
        sa.ForeignKeyConstraint(
            ["resource_id"],
            ["resources.id"],
            name=op.f("fk_partner_summaries_resource_id_resources"),
            ondelete="CASCADE",
        ),
        _partner_fk("partner_summaries"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_partner_summaries")),
        sa.UniqueConstraint(
            "resource_id",
            "version_number",
            "partner_id",
            "tool",
            "tool_version",
            "test",
            name="uq_partner_summaries_key",
        ),
    )
    op.create_index(
        "ix_partner_summaries_partner", "partner_summaries", ["partner_id", "resource_id"]
    )
    op.create_table(
        "compat_targets",
        sa.Column("id", sa.String(length=64), nullable=False),
        sa.Column("bit", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_compat_targets")),
        sa.UniqueConstraint("bit", name=op.f("uq_compat_targets_bit")),
    )
    op.create_table(
        "summary_pulls",
        sa.Column("partner_id", sa.String(length=32), nullable=False),
        sa.Column("generation", sa.Integer(), nullable=False),
        _when("last_started_at"),
        _when("last_finished_at"),
        sa.Column("last_stored", sa.Integer(), nullable=False),
        sa.Column("last_problems", sa.JSON(), nullable=False),
        _partner_fk("summary_pulls"),
        sa.PrimaryKeyConstraint("partner_id", name=op.f("pk_summary_pulls")),
    )
    op.create_table(
        "partner_ci_notices",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("partner_id", sa.String(length=32), nullable=False),
        sa.Column("event", sa.String(length=64), nullable=False),
        sa.Column("about", sa.String(length=255), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column(
            "status", _enum("deliverystatus", "pending", "delivered", "failed"), nullable=False
        ),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("last_status_code", sa.Integer(), nullable=True),
        sa.Column("last_error", sa.Text(), nullable=True),
        _when("created_at", nullable=False),
        _when("delivered_at"),
        _partner_fk("partner_ci_notices"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_partner_ci_notices")),
        sa.UniqueConstraint("partner_id", "about", name="uq_partner_ci_notices_about"),
    )
    # plain ADD COLUMN (SQLite has it): a batch copy would reflect the tables these refer to
    op.add_column("partners", sa.Column("ci_webhook_url", sa.String(length=2000), nullable=True))
    op.add_column("partners", sa.Column("ci_webhook_secret", sa.String(length=128), nullable=True))
    op.add_column(
        "search_entries",
        sa.Column("compatible", sa.JSON(), nullable=False, server_default=sa.text("'[]'")),
    )
    op.add_column(
        "search_entries",
        sa.Column("compat_mask", sa.BigInteger(), nullable=False, server_default="0"),
    )
    _mark_for_rebuild(op.get_bind())


def _mark_for_rebuild(bind: sa.Connection) -> None:
    listed = bind.scalar(sa.text("SELECT 1 FROM search_entries LIMIT 1"))
    marked = bind.scalar(
        sa.text("SELECT 1 FROM search_state WHERE id = :mark").bindparams(mark=_REBUILD_MARK)
    )
    if listed is not None and marked is None:
        state = sa.table("search_state", sa.column("id"), sa.column("generation"))
        bind.execute(state.insert().values(id=_REBUILD_MARK, generation=0))


def downgrade() -> None:
    op.drop_column("search_entries", "compat_mask")
    op.drop_column("search_entries", "compatible")
    op.drop_column("partners", "ci_webhook_secret")
    op.drop_column("partners", "ci_webhook_url")
    op.drop_table("partner_ci_notices")
    op.drop_table("summary_pulls")
    op.drop_table("compat_targets")
    op.drop_index("ix_partner_summaries_partner", table_name="partner_summaries")
    op.drop_table("partner_summaries")
