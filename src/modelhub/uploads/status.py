"""The data of an upload's own page and of "my uploads", from the catalog, review and checks."""

from __future__ import annotations

from typing import Any

from sqlalchemy import ColumnElement, or_, select
from sqlalchemy.orm import Session

from modelhub.accounts.models import User
from modelhub.catalog import access
from modelhub.catalog.models import OPEN_STATUSES, Resource, ResourceMaintainer, ResourceVersion
from modelhub.catalog.service import open_draft
from modelhub.checks.models import CheckStatus
from modelhub.checks.service import latest_run, latest_runs
from modelhub.errors import ResourceNotFound
from modelhub.links import Links
from modelhub.review.lifecycle import ACTIONS
from modelhub.uploads.messages import warning_detail
from modelhub.uploads.page_models import (
    CheckView,
    FormatResult,
    MyUpload,
    MyUploadsPage,
    PageAction,
    UploadStatusPage,
)
from modelhub.uploads.schemas import Problem

STATUS_LABELS = {
    "draft": "Draft — not yet submitted for review",
    "in_review": "In review",
    "changes_requested": "Changes requested by a reviewer",
    "published": "Published",
    "rejected": "Rejected",
    "withdrawn": "Withdrawn",
    "superseded": "Replaced by a newer upload",
}
NOTICES = {
    "submitted": "Submitted for review. The reviewers have been told.",
    "withdrawn": "The revision was withdrawn.",
    "uploaded": "Your package was accepted and stored as a draft.",
}


def managed_resource(db: Session, *, resource_id: str, user: User) -> Resource:
    """A resource the user may upload to (maintainers and admins); 404 for anyone else, so that
    unpublished ids do not leak."""
    resource = db.get(Resource, resource_id)
    if resource is None or not access.can_upload_to(db, resource=resource, user=user):
        raise ResourceNotFound(f"You have no upload '{resource_id}'.")
    return resource


def check_view(db: Session, version: ResourceVersion | None) -> CheckView:
    run = latest_run(db, version=version) if version is not None else None
    if run is None:
        return CheckView(status="not_run", finished=True)
    formats = [
        FormatResult(format=name, status=str(r.get("status", "?")), reason=r.get("reason"))
        for name, r in sorted(run.formats.items())
        if isinstance(r, dict)
    ]
    return CheckView(
        id=run.id,
        status=run.status.value,
        reason=run.reason,
        formats=formats,
        finished=run.status.finished,
    )


def warnings_of(version: ResourceVersion) -> list[Problem]:
    """The library's warnings of the upload, located in the uploader's own rdf.yaml."""
    found: list[Problem] = []
    details: Any = (version.validation or {}).get("details", [])
    for detail in details if isinstance(details, list) else []:
        for w in detail.get("warnings", []) if isinstance(detail, dict) else []:
            detail = warning_detail(w.get("loc", ()), str(w.get("msg", "")), version.rdf)
            problem = Problem(loc=list(detail.loc), msg=detail.msg)
            if problem not in found:
                found.append(problem)
    return found


def _actions(resource: Resource, version: ResourceVersion | None) -> list[PageAction]:
    rid = resource.id
    actions = []
    if version is not None and version.status in ACTIONS["submit"].sources:
        actions.append(PageAction(name="submit", label="Submit for review", method="post",
                                  url=Links.upload_action_path(rid, "submit")))  # fmt: skip
    if version is not None and version.status in ACTIONS["withdraw"].sources:
        actions.append(PageAction(name="withdraw", label="Withdraw", method="post",
                                  url=Links.upload_action_path(rid, "withdraw")))  # fmt: skip
    if version is not None and version.status.is_open:
        actions.append(PageAction(name="view_draft", label="See the draft's page", method="get",
                                  url=Links.resource_path(rid, "draft")))  # fmt: skip
    actions.append(PageAction(name="new_revision", label="Upload a new revision", method="get",
                              url=Links.new_upload_path(rid)))  # fmt: skip
    return actions


def status_page(
    db: Session, *, resource_id: str, user: User, notice: str | None = None
) -> UploadStatusPage:
    """The open revision (or, when none is open, the last one) of one's own resource."""
    resource = managed_resource(db, resource_id=resource_id, user=user)
    version = open_draft(db, resource_id=resource.id) or db.scalar(
        select(ResourceVersion)
        .where(ResourceVersion.resource_id == resource.id)
        .order_by(ResourceVersion.revision.desc())
        .limit(1)
    )
    check = check_view(db, version)
    status = version.status.value if version is not None else None
    is_open = version is not None and version.status.is_open
    return UploadStatusPage(
        resource_id=resource.id,
        emoji=resource.emoji,
        type=resource.type.value,
        name=version.name if version is not None else resource.name,
        revision=version.revision if version is not None else None,
        status=status,
        status_label=STATUS_LABELS.get(status or "", "Nothing uploaded"),
        open=is_open,
        change_note=version.change_note if version is not None else None,
        uploaded_at=version.created_at if version is not None else None,
        latest_version=resource.latest_version,
        warnings=warnings_of(version) if version is not None else [],
        check=check,
        live=check.status in (CheckStatus.queued.value, CheckStatus.running.value),
        actions=_actions(resource, version),
        card_url=Links.resource_path(resource.id),
        draft_url=Links.resource_path(resource.id, "draft") if is_open else None,
        notice=NOTICES.get(notice or ""),
    )


def my_uploads(db: Session, *, user: User) -> MyUploadsPage:
    """The user's resources: those they maintain and those they uploaded a revision of."""
    maintained = select(ResourceMaintainer.resource_id).where(ResourceMaintainer.user_id == user.id)
    uploaded = select(ResourceVersion.resource_id).where(ResourceVersion.uploader_id == user.id)
    query = (
        select(Resource)
        .where(or_(Resource.id.in_(maintained), Resource.id.in_(uploaded)))
        .order_by(Resource.updated_at.desc(), Resource.id)
    )
    resources = list(db.scalars(query))
    ids = [r.id for r in resources]
    drafts = _versions(db, ids, ResourceVersion.status.in_(OPEN_STATUSES))
    published = _versions(db, ids, ResourceVersion.number == Resource.latest_version)
    runs = latest_runs(db, version_ids=[v.id for v in (*drafts.values(), *published.values())])
    items = []
    for resource in resources:
        draft, shown = drafts.get(resource.id), published.get(resource.id)
        run = runs.get(draft.id) if draft is not None else None
        shown_run = runs.get(shown.id) if shown is not None else None
        items.append(
            MyUpload(
                resource_id=resource.id,
                emoji=resource.emoji,
                type=resource.type.value,
                name=draft.name if draft is not None else resource.name,
                latest_version=f"v{resource.latest_version}" if resource.latest_version else None,
                published_check_status=shown_run.status.value if shown_run is not None else None,
                open_revision=draft.revision if draft is not None else None,
                open_status=draft.status.value if draft is not None else None,
                check_status=run.status.value if run is not None else None,
                status_url=Links.upload_path(resource.id),
                card_url=Links.resource_path(resource.id),
            )
        )
    return MyUploadsPage(items=items)


def _versions(
    db: Session, ids: list[str], which: ColumnElement[bool]
) -> dict[str, ResourceVersion]:
    """The version of each resource in ``ids`` that ``which`` picks (at most one each)."""
    if not ids:
        return {}
    query = (
        select(ResourceVersion)
        .join(Resource, Resource.id == ResourceVersion.resource_id)
        .where(ResourceVersion.resource_id.in_(ids), which)
    )
    return {v.resource_id: v for v in db.scalars(query)}
