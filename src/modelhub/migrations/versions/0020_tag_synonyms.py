"""tag synonyms: a hub with published resources is marked for a search rebuild

The listing's tags and the search index now hold each tag in its canonical form (``nucleus``
→ ``nuclei``); the rebuild the hub runs after migrating writes them again. Nothing else changes:
packages keep their own words.

Revision ID: 0020
Revises: 0019
Create Date: 2026-12-06
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0020"
down_revision = "0019"
branch_labels = None
depends_on = None

# the ``search_state`` row that asks the hub to build the index (``search.models.REBUILD_MARK``)
_REBUILD_MARK = 2


def upgrade() -> None:
    bind = op.get_bind()
    listed = bind.scalar(sa.text("SELECT 1 FROM search_entries LIMIT 1"))
    marked = bind.scalar(
        sa.text("SELECT 1 FROM search_state WHERE id = :mark").bindparams(mark=_REBUILD_MARK)
    )
    if listed is not None and marked is None:
        state = sa.table("search_state", sa.column("id"), sa.column("generation"))
        bind.execute(state.insert().values(id=_REBUILD_MARK, generation=0))


def downgrade() -> None:
    """Nothing to undo: canonical tags are read the same by older code."""
