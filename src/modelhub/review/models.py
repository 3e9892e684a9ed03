"""The audit log of lifecycle transitions and the discussion thread of a draft."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from modelhub.db import Base, UtcDateTime, utcnow


class ReviewEvent(Base):
    """One transition of one revision: who did what, when, from which state to which, and why.
    Rows are only ever added."""

    __tablename__ = "review_events"
    __table_args__ = (Index("ix_review_events_resource_id_id", "resource_id", "id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    resource_id: Mapped[str] = mapped_column(ForeignKey("resources.id", ondelete="CASCADE"))
    version_id: Mapped[int] = mapped_column(
        ForeignKey("resource_versions.id", ondelete="CASCADE"), index=True
    )
    revision: Mapped[int] = mapped_column(Integer)
    action: Mapped[str] = mapped_column(String(32))
    from_status: Mapped[str] = mapped_column(String(24))
    to_status: Mapped[str] = mapped_column(String(24))
    actor_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    message: Mapped[str | None] = mapped_column(Text)
    # set when a reviewer approved without a passed check
    override_reason: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)


class ReviewComment(Base):
    """A comment on a revision; the markdown as written and its sanitised HTML."""

    __tablename__ = "review_comments"
    __table_args__ = (Index("ix_review_comments_resource_id_id", "resource_id", "id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    resource_id: Mapped[str] = mapped_column(ForeignKey("resources.id", ondelete="CASCADE"))
    version_id: Mapped[int] = mapped_column(
        ForeignKey("resource_versions.id", ondelete="CASCADE"), index=True
    )
    revision: Mapped[int] = mapped_column(Integer)
    author_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    body: Mapped[str] = mapped_column(Text)
    body_html: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)
