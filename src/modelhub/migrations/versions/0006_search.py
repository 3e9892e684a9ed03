"""search: the search index (entries, documentation tokens, facet counts, full text, the
generation its in-memory copies check), marked for a rebuild when resources were published
before it existed

The index itself is built by the hub after it migrates its own database
(``modelhub.search.rebuild``), with the code of its day: this migration never imports the
application's code, which changes after it is written.

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-24
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import modelhub.db

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "search_entries",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("resource_id", sa.String(length=64), nullable=False),
        sa.Column("version_id", sa.Integer(), nullable=False),
        sa.Column("version_number", sa.Integer(), nullable=False),
        sa.Column("type", sa.String(length=16), nullable=False),
        sa.Column("emoji", sa.String(length=16), nullable=False),
        sa.Column("name", sa.String(length=255), nullable=False),
        sa.Column("name_key", sa.String(length=255), nullable=False),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("license", sa.String(length=64), nullable=True),
        sa.Column("tags", sa.JSON(), nullable=False),
        sa.Column("authors", sa.JSON(), nullable=False),
        sa.Column("formats_mask", sa.Integer(), nullable=False),
        sa.Column("checks", sa.JSON(), nullable=False),
        sa.Column("checked", sa.Boolean(), nullable=False),
        sa.Column("cover", sa.String(length=1024), nullable=True),
        sa.Column("downloads", sa.Integer(), nullable=False),
        sa.Column("created_at", modelhub.db.UtcDateTime(timezone=True), nullable=False),
        sa.Column("published_at", modelhub.db.UtcDateTime(timezone=True), nullable=True),
        sa.Column("updated_at", modelhub.db.UtcDateTime(timezone=True), nullable=False),
        sa.Column("name_tokens", sa.Text(), nullable=False),
        sa.Column("tag_tokens", sa.Text(), nullable=False),
        sa.Column("description_tokens", sa.Text(), nullable=False),
        sa.Column("author_tokens", sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(
            ["resource_id"],
            ["resources.id"],
            name=op.f("fk_search_entries_resource_id_resources"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["version_id"],
            ["resource_versions.id"],
            name=op.f("fk_search_entries_version_id_resource_versions"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_search_entries")),
        sa.UniqueConstraint("resource_id", name=op.f("uq_search_entries_resource_id")),
    )
    with op.batch_alter_table("search_entries", schema=None) as batch_op:
        batch_op.create_index("ix_search_entries_updated", ["updated_at", "resource_id"])
        batch_op.create_index("ix_search_entries_name", ["name_key", "resource_id"])
        batch_op.create_index(
            "ix_search_entries_downloads", ["downloads", "updated_at", "resource_id"]
        )
        batch_op.create_index(
            "ix_search_entries_facets", ["type", "license", "checked", "formats_mask"]
        )
        batch_op.create_index(batch_op.f("ix_search_entries_license"), ["license"])
        batch_op.create_index(batch_op.f("ix_search_entries_version_id"), ["version_id"])

    op.create_table(
        "search_documents",
        sa.Column("version_id", sa.Integer(), nullable=False),
        sa.Column("tokens", sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(
            ["version_id"],
            ["resource_versions.id"],
            name=op.f("fk_search_documents_version_id_resource_versions"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("version_id", name=op.f("pk_search_documents")),
    )
    op.create_table(
        "search_counts",
        sa.Column("facet", sa.String(length=16), nullable=False),
        sa.Column("value", sa.String(length=128), nullable=False),
        sa.Column("count", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("facet", "value", name=op.f("pk_search_counts")),
    )
    op.create_table(
        "search_state",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("generation", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_search_state")),
    )
    bind = op.get_bind()
    if bind.dialect.name == "postgresql":
        op.execute("ALTER TABLE search_entries ADD COLUMN tsv tsvector")
        op.execute("CREATE INDEX ix_search_entries_tsv ON search_entries USING gin (tsv)")
    else:
        # tokens are [a-z0-9] already: the ascii tokenizer only splits on the spaces; prefix
        # indexes make "segm*" cheap; no positions or sizes are needed (no phrases, no bm25)
        op.execute(
            "CREATE VIRTUAL TABLE search_fts USING fts5(tokens, tokenize = 'ascii', "
            "prefix = '2 3 4', detail = none, columnsize = 0)"
        )
    _mark_for_rebuild(bind)


def downgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        op.execute("DROP TABLE IF EXISTS search_fts")
    op.drop_table("search_state")
    op.drop_table("search_counts")
    op.drop_table("search_documents")
    op.drop_table("search_entries")


# the ``search_state`` row that asks the hub to build the index (``search.models.REBUILD_MARK``)
_REBUILD_MARK = 2


def _mark_for_rebuild(bind: sa.Connection) -> None:
    """Ask the hub to index the resources published so far (the tables are empty)."""
    published = bind.scalar(
        sa.text("SELECT 1 FROM resources WHERE latest_version IS NOT NULL LIMIT 1")
    )
    if published is not None:
        state = sa.table("search_state", sa.column("id"), sa.column("generation"))
        bind.execute(state.insert().values(id=_REBUILD_MARK, generation=0))
