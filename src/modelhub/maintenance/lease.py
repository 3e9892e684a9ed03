"""Running a task once across the hub's processes: a guarded UPDATE on its lease row."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from sqlalchemy import or_, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from modelhub.db import utcnow
from modelhub.maintenance.models import MaintenanceLease


def take(db: Session, *, name: str, holder: str, due_after_s: float, lease_s: float) -> bool:
    """Take the lease of ``name`` when nobody holds it and its last run started at least
    ``due_after_s`` ago; True when taken (commits: the lease must be visible to the others).

    Of several processes asking at once exactly one gets it: the UPDATE re-checks both
    conditions on the row it changes."""
    if db.get(MaintenanceLease, name) is None:
        try:
            db.add(MaintenanceLease(name=name))
            db.commit()
        except IntegrityError:  # another process made it at the same moment
            db.rollback()
    now = utcnow()
    taken = db.execute(
        update(MaintenanceLease)
        .where(
            MaintenanceLease.name == name,
            or_(MaintenanceLease.expires_at.is_(None), MaintenanceLease.expires_at <= now),
            or_(
                MaintenanceLease.last_started_at.is_(None),
                MaintenanceLease.last_started_at <= now - timedelta(seconds=due_after_s),
            ),
        )
        .values(
            holder=holder,
            expires_at=now + timedelta(seconds=lease_s),
            last_started_at=now,
            runs=MaintenanceLease.runs + 1,
        )
        .execution_options(synchronize_session=False)
    )
    db.commit()
    return bool(getattr(taken, "rowcount", 0))


def give_back(db: Session, *, name: str, holder: str, result: Any) -> None:
    """Hand the lease back with the run's result (only if ``holder`` still holds it)."""
    db.execute(
        update(MaintenanceLease)
        .where(MaintenanceLease.name == name, MaintenanceLease.holder == holder)
        .values(holder=None, expires_at=None, last_finished_at=utcnow(), last_result=result)
        .execution_options(synchronize_session=False)
    )
    db.commit()
