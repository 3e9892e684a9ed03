"""JSON routes of checks: results per version, one run in detail, re-checks on demand."""

from __future__ import annotations

from fastapi import APIRouter, Request

import modelhub.web.ids  # noqa: F401  (registers the {resource_id:rid} path convertor)
from modelhub.accounts.deps import AdminUser, CurrentUser, OptionalUser
from modelhub.accounts.models import Role
from modelhub.catalog import access
from modelhub.catalog import service as catalog
from modelhub.checks import service
from modelhub.checks.models import CheckRun
from modelhub.checks.schemas import CheckRunDetail, CheckRunRead, RecheckResult
from modelhub.deps import DbSession, HubDep
from modelhub.errors import Forbidden, ResourceNotFound

router = APIRouter(prefix="/api/v1", tags=["checks"])


def _wake(request: Request) -> None:
    jobs = getattr(request.app.state.hub, "jobs", None)
    if jobs is not None:
        jobs.notify()


@router.get("/resources/{resource_id:rid}/versions/{label}/checks")
def list_checks(
    resource_id: str, label: str, db: DbSession, user: OptionalUser
) -> list[CheckRunRead]:
    """Every check of a version, newest first."""
    version = catalog.get_version(db, resource_id=resource_id, label=label, viewer=user)
    return [CheckRunRead.model_validate(r) for r in service.runs_of(db, version=version)]


@router.get("/checks/{check_id}")
def get_check(check_id: int, db: DbSession, user: OptionalUser) -> CheckRunDetail:
    """One check with the library's summaries and the (bounded) log."""
    run = db.get(CheckRun, check_id)
    if run is None:
        raise ResourceNotFound("There is no such check.")
    version = catalog.version_by_id(db, version_id=run.version_id, viewer=user)
    if version is None:
        raise ResourceNotFound("There is no such check.")
    return CheckRunDetail.model_validate(run)


@router.post("/resources/{resource_id:rid}/checks", status_code=202)
def recheck(
    request: Request,
    resource_id: str,
    db: DbSession,
    user: CurrentUser,
    version: str | None = None,
) -> CheckRunRead:
    """Check a version again (its maintainers, reviewers and admins)."""
    chosen = catalog.get_version(db, resource_id=resource_id, label=version, viewer=user)
    resource = catalog.get_resource(db, resource_id=resource_id, viewer=user)
    if not (
        user.role.at_least(Role.reviewer) or access.is_maintainer(db, resource=resource, user=user)
    ):
        raise Forbidden("Only the resource's maintainers, reviewers and admins can re-check it.")
    run = service.queue_check(db, version=chosen, trigger="recheck", requested_by=user)
    db.commit()
    _wake(request)
    return CheckRunRead.model_validate(run)


@router.post("/checks/recheck-published", status_code=202)
def recheck_published(
    request: Request, hub: HubDep, db: DbSession, admin: AdminUser
) -> RecheckResult:
    """Check every published version again, e.g. after a library upgrade (admins)."""
    runs = service.queue_all_published(db, requested_by=admin)
    db.commit()
    _wake(request)
    return RecheckResult(queued=len(runs), checks=[CheckRunRead.model_validate(r) for r in runs])
