"""The exported documents' rows: one per listed resource, and the state their ETags come from."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import BigInteger, Boolean, ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from modelhub.db import Base, UtcDateTime, utcnow


class ExportEntry(Base):
    """A published resource as the exports show it: its ``collection.json`` item and its
    ``index.json`` entry, serialised once when it changed (serving only joins the texts)."""

    __tablename__ = "export_entries"

    resource_id: Mapped[str] = mapped_column(
        ForeignKey("resources.id", ondelete="CASCADE"), primary_key=True
    )
    type: Mapped[str] = mapped_column(String(16))
    # the generation that last wrote this row (what changed since a generation, for readers)
    generation: Mapped[int] = mapped_column(BigInteger, index=True)
    item: Mapped[str] = mapped_column(Text)
    index_entry: Mapped[str] = mapped_column(Text)


class ExportState(Base):
    """One row (id 1). ``generation`` grows with every change of the rows: the documents'
    ETags. ``links`` names the public addresses the rows were written with (another base URL
    means a rebuild); ``needs_rebuild`` is the mark an upgrade leaves for ``modelhub serve``."""

    __tablename__ = "export_state"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    generation: Mapped[int] = mapped_column(BigInteger)
    changed_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)
    links: Mapped[str] = mapped_column(String(2048))
    needs_rebuild: Mapped[bool] = mapped_column(Boolean)
