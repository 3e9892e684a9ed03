"""What the summaries and the hub's own check say about compatibility: per partner, and the
badges ("compatible with <consumer>") a version earns.

A partner's summaries of a version say "compatible" when, taking for each (tool, test) the
summary of the newest tool version reported, none failed and at least one passed (not
applicable ones count neither way). The hub's check says "compatible" with every consumer that
runs a weight format whose check passed (``consumers``).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any, Literal

from pydantic import BaseModel
from sqlalchemy import select
from sqlalchemy.orm import Session

from modelhub.compat import consumers
from modelhub.compat.models import PartnerSummary, SummaryStatus
from modelhub.compat.service import summaries_of, version_key
from modelhub.partners.models import Partner

Basis = Literal["partner", "hub"]


class Badge(BaseModel):
    """ "Compatible with ``name``": reported by the partner, by the hub's check, or both."""

    id: str
    name: str
    by: list[Basis]


def newest_per_test(rows: Sequence[PartnerSummary]) -> list[PartnerSummary]:
    """For each (tool, test), the summary of the newest tool version."""
    best: dict[tuple[str, str], PartnerSummary] = {}
    for row in rows:
        key = (row.tool, row.test)
        held = best.get(key)
        if held is None or version_key(row.tool_version) > version_key(held.tool_version):
            best[key] = row
    return list(best.values())


def partner_says_compatible(rows: Sequence[PartnerSummary]) -> bool:
    newest = newest_per_test(rows)
    statuses = {r.status for r in newest}
    return SummaryStatus.passed in statuses and SummaryStatus.failed not in statuses


def by_partner(rows: Sequence[PartnerSummary]) -> dict[str, list[PartnerSummary]]:
    grouped: dict[str, list[PartnerSummary]] = {}
    for row in rows:
        grouped.setdefault(row.partner_id, []).append(row)
    return grouped


def partner_names(db: Session, ids: Sequence[str]) -> dict[str, str]:
    if not ids:
        return {}
    found = db.execute(select(Partner.id, Partner.name).where(Partner.id.in_(sorted(set(ids)))))
    return {pid: name for pid, name in found}


def badges(
    db: Session, *, resource_id: str, number: int, check_formats: Mapping[str, Any]
) -> list[Badge]:
    """The badges of a published version, by name; two queries whatever the number of
    partners (their summaries, their names)."""
    grouped = by_partner(summaries_of(db, resource_id=resource_id, number=number))
    reported = [pid for pid, rows in grouped.items() if partner_says_compatible(rows)]
    checked = consumers.by_check(check_formats)
    names = partner_names(db, [*reported, *(c.id for c in checked)])
    found: dict[str, Badge] = {}
    for pid in reported:
        found[pid] = Badge(id=pid, name=names.get(pid, pid), by=["partner"])
    for consumer in checked:
        badge = found.get(consumer.id)
        if badge is None:
            name = names.get(consumer.id, consumer.name)
            found[consumer.id] = Badge(id=consumer.id, name=name, by=["hub"])
        else:
            badge.by.append("hub")
    return sorted(found.values(), key=lambda b: b.name.lower())
