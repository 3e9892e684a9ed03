"""The tags the hub's listed resources use, most used first (the upload form's suggestions)."""

from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from modelhub.catalog.models import ResourceTag
from modelhub.catalog.tags import suggestions


def used_tags(db: Session, *, limit: int = 100) -> list[str]:
    rows = db.execute(
        select(ResourceTag.tag, func.count().label("n"))
        .group_by(ResourceTag.tag)
        .order_by(func.count().desc(), ResourceTag.tag)
        .limit(limit)
    )
    return [tag for tag, _ in rows]


def tag_suggestions(db: Session) -> list[str]:
    """The vocabulary, then the hub's other tags."""
    return suggestions(used_tags(db))
