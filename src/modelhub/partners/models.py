"""Community partners: their applications, the approved partners, their maintainers and the
tokens of their automation."""

from __future__ import annotations

import enum
from datetime import datetime
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    Enum,
    ForeignKey,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from modelhub.db import Base, UtcDateTime, utcnow

URL_LENGTH = 2000


class ApplicationStatus(enum.StrEnum):
    applied = "applied"
    approved = "approved"
    declined = "declined"


class PartnerApplication(Base):
    """A request to become a community partner, as the applicant wrote it, and the admins'
    decision. Kept after the decision: it is the record of what was agreed."""

    __tablename__ = "partner_applications"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    # none when an admin registered the partner directly (``modelhub partners add``)
    applicant_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL"), index=True
    )
    name: Mapped[str] = mapped_column(String(200))
    description: Mapped[str] = mapped_column(Text)
    about_url: Mapped[str | None] = mapped_column(String(URL_LENGTH))
    resources: Mapped[str] = mapped_column(Text)
    collection_url: Mapped[str] = mapped_column(String(URL_LENGTH))
    test_summary_url: Mapped[str | None] = mapped_column(String(URL_LENGTH))
    maintenance_plan: Mapped[str] = mapped_column(Text)
    proposed_id: Mapped[str | None] = mapped_column(String(32))
    status: Mapped[ApplicationStatus] = mapped_column(
        Enum(ApplicationStatus, native_enum=False, length=16, validate_strings=True),
        default=ApplicationStatus.applied,
        index=True,
    )
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)
    decided_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    decision_message: Mapped[str | None] = mapped_column(Text)
    partner_id: Mapped[str | None] = mapped_column(ForeignKey("partners.id", ondelete="SET NULL"))


class Partner(Base):
    """An approved partner under the id agreed at approval. Its collection's entries become
    resources ``<partner id>/<name>``; the sync fields stay empty until a sync ran."""

    __tablename__ = "partners"

    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    description: Mapped[str] = mapped_column(Text, default="")
    about_url: Mapped[str | None] = mapped_column(String(URL_LENGTH))
    collection_url: Mapped[str] = mapped_column(String(URL_LENGTH))
    test_summary_url: Mapped[str | None] = mapped_column(String(URL_LENGTH))
    # the partner's CI hears of published and yanked versions here (signed like webhooks);
    # the secret is stored as given, signing needs it, and shown once when it is made
    ci_webhook_url: Mapped[str | None] = mapped_column(String(URL_LENGTH))
    ci_webhook_secret: Mapped[str | None] = mapped_column(String(128))
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)
    last_sync_attempt_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    last_sync_success_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    last_sync_error: Mapped[str | None] = mapped_column(Text)
    # what the next conditional request of the collection sends, and the sha256 of the last one
    # (not a blob: the document is not kept)
    collection_etag: Mapped[str | None] = mapped_column(String(500))
    collection_last_modified: Mapped[str | None] = mapped_column(String(100))
    collection_digest: Mapped[str | None] = mapped_column(String(64))
    # finished syncs: part of the sync job's dedupe key (one queued or running sync at a time)
    sync_count: Mapped[int] = mapped_column(Integer, default=0)
    # counts of the last finished sync (added, updated, unchanged, retired, failed, requests)
    last_sync_report: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    # a mirror: its entries keep their ids, and nobody edits its resources here
    read_only: Mapped[bool] = mapped_column(Boolean, default=False)
    # the collection's ``config`` as the last sync stored it, checked (``partners.appearance``):
    # texts, lists and emoji; images are ``PartnerImage`` rows
    appearance: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)

    maintainers: Mapped[list[PartnerMaintainer]] = relationship(
        cascade="all, delete-orphan", order_by="PartnerMaintainer.added_at"
    )


class PartnerMaintainer(Base):
    """An account that looks after a partner: edits its details, its maintainers, its tokens."""

    __tablename__ = "partner_maintainers"

    partner_id: Mapped[str] = mapped_column(
        ForeignKey("partners.id", ondelete="CASCADE"), primary_key=True
    )
    user_id: Mapped[int] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), primary_key=True, index=True
    )
    added_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)


class PartnerToken(Base):
    """A token of the partner's automation (its CI): it acts for the partner, never as a person.
    Only its sha256 is stored; the token itself is shown once."""

    __tablename__ = "partner_tokens"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    partner_id: Mapped[str] = mapped_column(
        ForeignKey("partners.id", ondelete="CASCADE"), index=True
    )
    name: Mapped[str] = mapped_column(String(100))
    prefix: Mapped[str] = mapped_column(String(16))
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)
    last_used_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    revoked_at: Mapped[datetime | None] = mapped_column(UtcDateTime)

    partner: Mapped[Partner] = relationship()


class EntryStatus(enum.StrEnum):
    ok = "ok"  # its resource holds what the collection says
    failed = "failed"  # the last attempt failed; the resource (if any) keeps the last good version
    removed = "removed"  # no longer in the collection: its resource is retired


class PartnerEntry(Base):
    """One entry of a partner's collection as the syncs saw it, under its key (its ``id``, or
    its source URL when it has none). Never deleted: a removed entry keeps its resource id."""

    __tablename__ = "partner_entries"
    __table_args__ = (UniqueConstraint("partner_id", "key"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    partner_id: Mapped[str] = mapped_column(ForeignKey("partners.id", ondelete="CASCADE"))
    key: Mapped[str] = mapped_column(String(URL_LENGTH))
    source: Mapped[str] = mapped_column(String(URL_LENGTH))  # a URL, or "inline"
    resource_id: Mapped[str | None] = mapped_column(
        ForeignKey("resources.id", ondelete="SET NULL"), index=True
    )
    status: Mapped[EntryStatus] = mapped_column(
        Enum(EntryStatus, native_enum=False, length=16, validate_strings=True)
    )
    # digest of the entry's text in the collection when it last succeeded (unchanged: skipped)
    fingerprint: Mapped[str | None] = mapped_column(String(64))
    error: Mapped[str | None] = mapped_column(Text)
    error_code: Mapped[str | None] = mapped_column(String(64))
    error_details: Mapped[list[dict[str, Any]] | None] = mapped_column(JSON)
    last_attempt_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    last_success_at: Mapped[datetime | None] = mapped_column(UtcDateTime)


class PartnerImage(Base):
    """An image of a partner's appearance (``logo``, ``icon``, ``background_image``), copied
    into the hub's storage at a sync; the hub serves it, never the partner's server."""

    __tablename__ = "partner_images"

    partner_id: Mapped[str] = mapped_column(
        ForeignKey("partners.id", ondelete="CASCADE"), primary_key=True
    )
    field: Mapped[str] = mapped_column(String(32), primary_key=True)
    blob_sha256: Mapped[str] = mapped_column(ForeignKey("blobs.sha256"), index=True)
    media_type: Mapped[str] = mapped_column(String(64))
    size: Mapped[int] = mapped_column(BigInteger)
    source_url: Mapped[str] = mapped_column(String(URL_LENGTH))
    stored_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)
