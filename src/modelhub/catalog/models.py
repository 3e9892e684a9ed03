"""Resources (models, datasets, notebooks, applications), their versions and files."""

from __future__ import annotations

import enum
from datetime import datetime
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    Enum,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from modelhub.db import Base, UtcDateTime, utcnow


class ResourceType(enum.StrEnum):
    model = "model"
    dataset = "dataset"
    notebook = "notebook"
    application = "application"


class VersionStatus(enum.StrEnum):
    """Where a revision stands in the lifecycle (see ``modelhub.review.lifecycle``).

    ``draft``, ``in_review`` and ``changes_requested`` are the open states: a resource has at most
    one open revision, and a newer upload supersedes it. ``published`` versions never change."""

    draft = "draft"
    in_review = "in_review"
    changes_requested = "changes_requested"
    published = "published"
    rejected = "rejected"
    withdrawn = "withdrawn"
    superseded = "superseded"

    @property
    def is_open(self) -> bool:
        return self in OPEN_STATUSES


OPEN_STATUSES = frozenset(
    {VersionStatus.draft, VersionStatus.in_review, VersionStatus.changes_requested}
)


def _enum(cls: type[enum.StrEnum], length: int = 16) -> Enum:
    return Enum(cls, native_enum=False, length=length, validate_strings=True)


class Resource(Base):
    """A resource under its never-reused nickname id; listing fields follow its latest version."""

    __tablename__ = "resources"

    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    emoji: Mapped[str] = mapped_column(String(16))
    type: Mapped[ResourceType] = mapped_column(_enum(ResourceType), index=True)
    name: Mapped[str] = mapped_column(String(255))
    description: Mapped[str] = mapped_column(Text)
    license: Mapped[str | None] = mapped_column(String(64))
    created_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow, index=True)
    published_at: Mapped[datetime | None] = mapped_column(UtcDateTime, index=True)
    latest_version: Mapped[int | None] = mapped_column(Integer)
    # a community partner's resource comes from its collection (``modelhub.partner_sync``)
    partner_id: Mapped[str | None] = mapped_column(
        ForeignKey("partners.id", ondelete="SET NULL"), index=True
    )

    versions: Mapped[list[ResourceVersion]] = relationship(
        back_populates="resource", order_by="ResourceVersion.revision"
    )
    tags: Mapped[list[ResourceTag]] = relationship(cascade="all, delete-orphan")
    maintainers: Mapped[list[ResourceMaintainer]] = relationship(cascade="all, delete-orphan")


class ResourceTag(Base):
    """Tags of a resource's latest version, one row each so that tag filters combine with AND."""

    __tablename__ = "resource_tags"

    resource_id: Mapped[str] = mapped_column(
        ForeignKey("resources.id", ondelete="CASCADE"), primary_key=True
    )
    tag: Mapped[str] = mapped_column(String(128), primary_key=True, index=True)


class ResourceMaintainer(Base):
    """Accounts that may upload new revisions of a resource and see its drafts."""

    __tablename__ = "resource_maintainers"

    resource_id: Mapped[str] = mapped_column(
        ForeignKey("resources.id", ondelete="CASCADE"), primary_key=True
    )
    user_id: Mapped[int] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), primary_key=True
    )


class ResourceVersion(Base):
    """One uploaded revision; when published it gets its version number and never changes."""

    __tablename__ = "resource_versions"
    __table_args__ = (
        UniqueConstraint("resource_id", "revision"),
        UniqueConstraint("resource_id", "number"),
        Index("ix_resource_versions_resource_status", "resource_id", "status"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    resource_id: Mapped[str] = mapped_column(ForeignKey("resources.id", ondelete="CASCADE"))
    revision: Mapped[int] = mapped_column(Integer)
    number: Mapped[int | None] = mapped_column(Integer)
    status: Mapped[VersionStatus] = mapped_column(_enum(VersionStatus, length=24))
    format_version: Mapped[str] = mapped_column(String(16))
    name: Mapped[str] = mapped_column(String(255))
    description: Mapped[str] = mapped_column(Text)
    license: Mapped[str | None] = mapped_column(String(64))
    tags: Mapped[list[str]] = mapped_column(JSON)
    authors: Mapped[list[dict[str, Any]]] = mapped_column(JSON)
    rdf: Mapped[dict[str, Any]] = mapped_column(JSON)
    rdf_sha256: Mapped[str] = mapped_column(String(64))
    # the package's content, to refuse an upload that changes nothing (``uploads.identical``)
    content_fingerprint: Mapped[str | None] = mapped_column(String(64), index=True)
    # bioimageio.spec's ValidationSummary of the upload, as the library produced it
    validation: Mapped[dict[str, Any]] = mapped_column(JSON)
    change_note: Mapped[str | None] = mapped_column(Text)
    uploader_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)
    published_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    published_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    # a yanked version stays downloadable and is flagged; "latest" skips it while others exist
    yanked_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    yanked_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    yank_reason: Mapped[str | None] = mapped_column(Text)

    resource: Mapped[Resource] = relationship(back_populates="versions")
    files: Mapped[list[VersionFile]] = relationship(
        back_populates="version", cascade="all, delete-orphan", order_by="VersionFile.path"
    )

    @property
    def label(self) -> str:
        """``v3`` for a published version, ``draft`` for the open revision, ``r4`` for a closed
        one (superseded, rejected, withdrawn)."""
        if self.number is not None:
            return f"v{self.number}"
        return "draft" if self.status.is_open else f"r{self.revision}"


class VersionFile(Base):
    """Maps (version, path) to the blob holding the bytes."""

    __tablename__ = "version_files"

    version_id: Mapped[int] = mapped_column(
        ForeignKey("resource_versions.id", ondelete="CASCADE"), primary_key=True
    )
    path: Mapped[str] = mapped_column(String(1024), primary_key=True)
    blob_sha256: Mapped[str] = mapped_column(ForeignKey("blobs.sha256"), index=True)
    size: Mapped[int] = mapped_column(BigInteger)
    media_type: Mapped[str] = mapped_column(String(128))

    version: Mapped[ResourceVersion] = relationship(back_populates="files")
