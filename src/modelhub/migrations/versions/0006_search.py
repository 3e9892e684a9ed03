"""search: the search index (entries, documentation tokens, facet counts, full text, the
generation its in-memory copies check) and its
backfill from the resources published so far

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-24
"""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from alembic import op

import modelhub.db
from modelhub.storage.base import Storage

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
    _backfill(bind)


def downgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        op.execute("DROP TABLE IF EXISTS search_fts")
    op.drop_table("search_state")
    op.drop_table("search_counts")
    op.drop_table("search_documents")
    op.drop_table("search_entries")


def _storage(bind: sa.Connection) -> Storage | None:
    """The hub's blob storage when this hub is migrating its own database (the documentation
    is indexed from it); None otherwise, and the documentation waits for a new version."""
    from modelhub.config import Settings
    from modelhub.storage.local import LocalStorage

    try:
        settings = Settings()
    except ValueError:
        return None
    own = sa.make_url(settings.resolved_database_url)
    here = bind.engine.url
    same = (own.drivername.split("+")[0], own.database, own.host) == (
        here.drivername.split("+")[0],
        here.database,
        here.host,
    )
    folder = settings.resolved_storage_dir
    return LocalStorage(folder) if same and folder.is_dir() else None


def _backfill(bind: sa.Connection) -> None:
    from modelhub.search import fts
    from modelhub.search.entries import documentation_tokens, entry_values, facet_values
    from modelhub.search.index import bump_counts

    listings = _published(bind)
    if not listings:
        return
    storage = _storage(bind)
    entries = sa.table("search_entries", *(sa.column(c, _TYPES.get(c)) for c in _COLUMNS))
    documents = sa.table("search_documents", sa.column("version_id"), sa.column("tokens"))
    counts: dict[tuple[str, str], int] = {}
    for listing, files in listings:
        if storage is not None:
            listing.documentation = documentation_tokens(storage, listing.rdf, files)
            bind.execute(
                documents.insert().values(
                    version_id=listing.version_id, tokens=listing.documentation
                )
            )
        values, token_list = entry_values(listing)
        bind.execute(entries.insert().values(downloads=0, **values))
        entry_id = bind.scalar(
            sa.select(entries.c.id).where(entries.c.resource_id == listing.resource_id)
        )
        fts.write(bind, entry_id=int(entry_id or 0), token_list=token_list)
        for pair in facet_values(values):
            counts[pair] = counts.get(pair, 0) + 1
    bump_counts(bind, counts)


_COLUMNS = [
    "id",
    "resource_id",
    "version_id",
    "version_number",
    "type",
    "emoji",
    "name",
    "name_key",
    "description",
    "license",
    "tags",
    "authors",
    "formats_mask",
    "checks",
    "checked",
    "cover",
    "downloads",
    "created_at",
    "published_at",
    "updated_at",
    "name_tokens",
    "tag_tokens",
    "description_tokens",
    "author_tokens",
]
_TYPES: dict[str, Any] = {
    **dict.fromkeys(("tags", "authors", "checks"), sa.JSON()),
    **dict.fromkeys(("created_at", "published_at", "updated_at"), modelhub.db.UtcDateTime()),
}


def _published(bind: sa.Connection) -> list[tuple[Any, dict[str, str]]]:
    """Every published resource's listed version, with its files and its latest check."""
    from modelhub.search.entries import Listing

    rows = bind.execute(
        sa.text(
            "SELECT r.id, r.type, r.emoji, r.created_at, r.published_at, r.updated_at, v.id, "
            "v.number, v.name, v.description, v.license, v.tags, v.authors, v.rdf "
            "FROM resources r JOIN resource_versions v "
            "ON v.resource_id = r.id AND v.number = r.latest_version "
            "WHERE r.latest_version IS NOT NULL"
        ).columns(
            *(sa.column(f"c{i}") for i in range(3)),
            sa.column("c3", modelhub.db.UtcDateTime()),
            sa.column("c4", modelhub.db.UtcDateTime()),
            sa.column("c5", modelhub.db.UtcDateTime()),
            *(sa.column(f"c{i}") for i in range(6, 11)),
            *(sa.column(f"c{i}", sa.JSON()) for i in range(11, 14)),
        )
    ).all()
    out = []
    for row in rows:
        version_id = row[6]
        files: dict[str, str] = dict(
            bind.execute(
                sa.text("SELECT path, blob_sha256 FROM version_files WHERE version_id = :v"),
                {"v": version_id},
            ).all()
        )
        check = bind.execute(
            sa.text(
                "SELECT status, formats FROM check_runs WHERE version_id = :v AND status IN "
                "('passed', 'failed', 'error') ORDER BY id DESC LIMIT 1"
            ).columns(sa.column("status"), sa.column("formats", sa.JSON())),
            {"v": version_id},
        ).first()
        listing = Listing(
            resource_id=row[0],
            type=row[1],
            emoji=row[2],
            created_at=row[3],
            published_at=row[4],
            updated_at=row[5],
            version_id=version_id,
            number=row[7],
            name=row[8],
            description=row[9],
            license=row[10],
            tags=list(row[11] or []),
            authors=list(row[12] or []),
            rdf=dict(row[13] or {}),
            file_paths=set(files),
            check_status=check[0] if check else None,
            check_formats=dict(check[1] or {}) if check else {},
        )
        out.append((listing, files))
    return out
