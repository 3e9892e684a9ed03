"""Storing partners' test summaries and reading them back per version; never commits.

A summary sent again with the same key (resource, version, partner, tool, tool version, test)
replaces the stored one: one upsert per summary, so pushing or pulling twice changes nothing
and two processes storing at once both succeed."""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any

from sqlalchemy import select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from modelhub.catalog import service as catalog
from modelhub.catalog.models import ResourceVersion, VersionStatus
from modelhub.compat.documents import Summary
from modelhub.compat.models import PartnerSummary, SummaryOrigin
from modelhub.db import utcnow
from modelhub.errors import ResourceNotFound
from modelhub.events import SummariesReceived, record

_LEADING_DIGITS = re.compile(r"(\d+)(.*)")
KEY = ("resource_id", "version_number", "partner_id", "tool", "tool_version", "test")


def published_version(db: Session, *, resource_id: str, version: str | int) -> ResourceVersion:
    """The published version ``version`` ("v3", "3" or 3) of ``resource_id``; 404 otherwise
    (drafts are never tested by partners: they see published versions only)."""
    label = f"v{version}" if isinstance(version, int) else version
    found = catalog.get_version(db, resource_id=resource_id, label=label, viewer=None)
    if found.number is None or found.status is not VersionStatus.published:
        raise ResourceNotFound(f"'{resource_id}' has no published version '{version}'.")
    return found


def store(
    db: Session,
    *,
    partner_id: str,
    version: ResourceVersion,
    summaries: Sequence[Summary],
    origin: SummaryOrigin,
    source_url: str | None = None,
) -> int:
    """Store (or replace) ``summaries`` of ``version`` from ``partner_id``; how many. Records
    ``SummariesReceived`` so that the badges and the catalog follow after the commit."""
    if version.number is None:
        raise ValueError("only published versions have summaries")
    if not summaries:
        return 0
    now = utcnow()
    dialect = db.get_bind().dialect.name
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    for summary in summaries:
        values: dict[str, Any] = {
            "resource_id": version.resource_id,
            "version_number": version.number,
            "partner_id": partner_id,
            "tool": summary.tool,
            "tool_version": summary.tool_version,
            "test": summary.test,
            "status": summary.status,
            "error": summary.error,
            "score": summary.score,
            "shape": summary.shape,
            "document": summary.document,
            "origin": origin,
            "source_url": source_url,
            "received_at": now,
        }
        changed = {k: v for k, v in values.items() if k not in KEY}
        stmt = insert(PartnerSummary).values(**values)
        db.execute(stmt.on_conflict_do_update(index_elements=list(KEY), set_=changed))
    record(
        db,
        SummariesReceived(
            resource_id=version.resource_id, version_number=version.number, partner_id=partner_id
        ),
    )
    return len(summaries)


def summaries_of(db: Session, *, resource_id: str, number: int) -> list[PartnerSummary]:
    """Every partner's summaries of one version: by partner, tool, newest tool version first."""
    rows = db.scalars(
        select(PartnerSummary).where(
            PartnerSummary.resource_id == resource_id, PartnerSummary.version_number == number
        )
    )
    # stable sorts, last key first: partner, tool, then the newest tool version, then test
    ordered = sorted(rows, key=lambda r: r.test)
    ordered.sort(key=lambda r: version_key(r.tool_version), reverse=True)
    ordered.sort(key=lambda r: (r.partner_id, r.tool))
    return ordered


def version_key(text: str) -> tuple[tuple[int, int | str], ...]:
    """An order of tool versions: numbers as numbers ("1.10" after "1.9"), words after."""
    parts: list[tuple[int, int | str]] = []
    for piece in text.replace("-", ".").replace("+", ".").split("."):
        match = _LEADING_DIGITS.match(piece)
        if match is None:
            parts.append((0, piece))
            continue
        parts.append((1, int(match.group(1))))
        if match.group(2):  # "2rc1": the words after the number
            parts.append((0, match.group(2)))
    return tuple(parts)
