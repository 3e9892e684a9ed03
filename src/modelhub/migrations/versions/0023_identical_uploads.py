"""content fingerprint of each revision, to refuse uploads that change nothing

``resource_versions.content_fingerprint``: the sha256 of the description's content (without ``id``
and ``version``, which the hub writes) and the ``(path, sha256)`` of the other files; filled in
here for the revisions already stored, with the same recipe as ``uploads.identical.fingerprint``.

Revision ID: 0023
Revises: 0022
Create Date: 2026-12-06
"""

from __future__ import annotations

import hashlib
import json
from typing import Any

import sqlalchemy as sa
from alembic import op

revision = "0023"
down_revision = "0022"
branch_labels = None
depends_on = None

_HUB_SET = frozenset({"id", "version"})
_SERVED_NAME = "rdf.yaml"


def _fingerprint(description: dict[str, Any], files: list[tuple[str, str]]) -> str:
    content = {
        "description": {k: v for k, v in description.items() if k not in _HUB_SET},
        "files": sorted([path, sha] for path, sha in files),
    }
    text = json.dumps(content, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def upgrade() -> None:
    op.add_column(
        "resource_versions", sa.Column("content_fingerprint", sa.String(length=64), nullable=True)
    )
    op.create_index(
        op.f("ix_resource_versions_content_fingerprint"),
        "resource_versions",
        ["content_fingerprint"],
        unique=False,
    )
    bind = op.get_bind()
    versions = sa.table(
        "resource_versions",
        sa.column("id", sa.Integer()),
        sa.column("rdf", sa.JSON()),
        sa.column("content_fingerprint", sa.String()),
    )
    files = sa.table(
        "version_files",
        sa.column("version_id", sa.Integer()),
        sa.column("path", sa.String()),
        sa.column("blob_sha256", sa.String()),
    )
    held: dict[int, list[tuple[str, str]]] = {}
    for version_id, path, sha in bind.execute(
        sa.select(files.c.version_id, files.c.path, files.c.blob_sha256).where(
            files.c.path != _SERVED_NAME
        )
    ):
        held.setdefault(version_id, []).append((path, sha))
    for version_id, rdf in bind.execute(sa.select(versions.c.id, versions.c.rdf)).all():
        if not isinstance(rdf, dict):
            continue
        bind.execute(
            versions.update()
            .where(versions.c.id == version_id)
            .values(content_fingerprint=_fingerprint(rdf, held.get(version_id, [])))
        )


def downgrade() -> None:
    op.drop_index(op.f("ix_resource_versions_content_fingerprint"), table_name="resource_versions")
    op.drop_column("resource_versions", "content_fingerprint")
