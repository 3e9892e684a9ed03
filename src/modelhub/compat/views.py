"""Summaries and badges as the model page and the API show them (one code path)."""

from __future__ import annotations

import json
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from modelhub.catalog.models import ResourceVersion
from modelhub.checks.models import CheckRun, CheckStatus
from modelhub.compat import verdict
from modelhub.compat.models import PartnerSummary, SummaryShape
from modelhub.compat.schemas import PartnerResults, SummaryRead, VersionSummaries
from modelhub.compat.service import summaries_of

DETAILS_CHARS = 20_000  # the page shows the start; the API's raw document holds all of it
FINISHED = (CheckStatus.passed, CheckStatus.failed, CheckStatus.error)


def details_of(row: PartnerSummary) -> str | None:
    doc: dict[str, Any] = row.document or {}
    if row.shape is SummaryShape.test_summary:
        parts = []
        if isinstance(doc.get("traceback"), list) and doc["traceback"]:
            parts.append("".join(str(line) for line in doc["traceback"]))
        if doc.get("nested_errors"):
            parts.append(json.dumps(doc["nested_errors"], indent=1, default=str))
        text = "\n".join(parts)
    else:
        found = doc.get("details")
        text = found if isinstance(found, str) else json.dumps(found, indent=1, default=str)
        text = "" if found in (None, "") else text
    return text[:DETAILS_CHARS] or None


def summary_read(row: PartnerSummary) -> SummaryRead:
    return SummaryRead(
        tool=row.tool,
        tool_version=row.tool_version,
        test=row.test,
        status=row.status,
        error=row.error,
        score=row.score,
        details=details_of(row),
        shape=row.shape,
        origin=row.origin,
        source_url=row.source_url,
        received_at=row.received_at,
    )


def check_formats(db: Session, *, version_id: int) -> dict[str, Any]:
    """The per-format results of the version's latest finished check."""
    run = db.scalar(
        select(CheckRun)
        .where(CheckRun.version_id == version_id, CheckRun.status.in_(FINISHED))
        .order_by(CheckRun.id.desc())
        .limit(1)
    )
    return dict(run.formats) if run is not None else {}


def version_summaries(db: Session, *, version: ResourceVersion) -> VersionSummaries:
    """A published version's summaries per partner and its badges."""
    if version.number is None:
        raise ValueError("only published versions have summaries")
    rows = summaries_of(db, resource_id=version.resource_id, number=version.number)
    grouped = verdict.by_partner(rows)
    names = verdict.partner_names(db, list(grouped))
    badges = verdict.badges(
        db,
        resource_id=version.resource_id,
        number=version.number,
        check_formats=check_formats(db, version_id=version.id),
    )
    return VersionSummaries(
        resource_id=version.resource_id,
        version=version.label,
        badges=badges,
        partners=[
            PartnerResults(
                partner_id=pid,
                partner_name=names.get(pid, pid),
                compatible=verdict.partner_says_compatible(found),
                summaries=[summary_read(r) for r in found],
            )
            for pid, found in sorted(grouped.items(), key=lambda kv: names.get(kv[0], kv[0]))
        ],
    )
