"""JSON routes for jobs: their status, for admins and for the person who caused them."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query

from modelhub.accounts.deps import AdminUser, CurrentUser
from modelhub.deps import DbSession
from modelhub.jobs import service
from modelhub.jobs.models import JobStatus
from modelhub.jobs.schemas import JobRead

router = APIRouter(prefix="/api/v1/jobs", tags=["jobs"])


@router.get("")
def list_jobs(
    _admin: AdminUser,
    db: DbSession,
    status: JobStatus | None = None,
    kind: Annotated[str | None, Query(max_length=64)] = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 50,
) -> list[JobRead]:
    """The newest jobs, optionally of one status and kind (admins only)."""
    jobs = service.list_jobs(db, status=status, kind=kind, limit=limit)
    return [JobRead.model_validate(job) for job in jobs]


@router.get("/{job_id}")
def get_job(job_id: int, user: CurrentUser, db: DbSession) -> JobRead:
    """One job: its kind, status, attempts, times and, when it failed, why. Visible to admins
    and to the person whose action created it."""
    return JobRead.model_validate(service.get_job(db, job_id=job_id, viewer=user))
