"""JSON routes of the review workflow: the queue, the actions, the thread, yanking and
maintainers. Each route validates, calls the service and commits."""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated

from fastapi import APIRouter, Query
from sqlalchemy.orm import Session

import modelhub.web.ids  # noqa: F401  (registers the {resource_id:rid} path convertor)
from modelhub.accounts.deps import CurrentUser
from modelhub.accounts.models import User
from modelhub.accounts.schemas import UserRead
from modelhub.catalog import maintainers as maint
from modelhub.catalog.models import ResourceVersion, VersionStatus
from modelhub.catalog.schemas import VersionRead
from modelhub.catalog.views import version_read
from modelhub.deps import DbSession, HubDep
from modelhub.hub import Hub
from modelhub.review import service, thread, views, yanking
from modelhub.review.schemas import (
    ActionRequest,
    ActionResult,
    ApproveRequest,
    CommentCreate,
    CommentRead,
    EventRead,
    MaintainerAdd,
    PublishRequest,
    QueueItem,
    ReviewState,
    YankRequest,
)
from modelhub.storage.service import BlobBatch, committed_blobs

router = APIRouter(prefix="/api/v1", tags=["review"])


def _state(hub: Hub, db: Session, resource_id: str, user: User) -> ReviewState:
    version = service.open_revision(db, resource_id=resource_id, viewer=user)
    items = thread.thread(db, resource_id=resource_id, viewer=user)
    return views.review_state(
        db, version=version, viewer=user, items=items, allow_own=hub.settings.allow_self_approval
    )


def _publishing(hub: Hub, db: Session, work: Callable[[BlobBatch], ResourceVersion]) -> VersionRead:
    """Run a publication, commit, and on any failure delete the blobs it wrote."""
    with committed_blobs(db, hub.storage, hub.sessions, purpose="publish") as batch:
        version = work(batch)
    return version_read(version, hub.links)


@router.get("/review/queue")
def review_queue(
    db: DbSession,
    hub: HubDep,
    user: CurrentUser,
    status: Annotated[VersionStatus, Query(description="in_review (default) or another")] = (
        VersionStatus.in_review
    ),
    partner: Annotated[
        str | None, Query(max_length=32, description="only revisions claiming this partner")
    ] = None,
) -> list[QueueItem]:
    """Revisions waiting for a reviewer, oldest first: all of them for reviewers and admins,
    those claiming compatibility with their partners for partner maintainers."""
    rows = thread.queue(db, viewer=user, status=status, partner=partner)
    return [views.queue_item(db, v, last, hub.links) for v, last in rows]


@router.get("/resources/{resource_id:rid}/review")
def review_state(resource_id: str, hub: HubDep, db: DbSession, user: CurrentUser) -> ReviewState:
    """The open revision: its state, its check, what you may do (and why not), its thread."""
    return _state(hub, db, resource_id, user)


def _act(
    db: Session, resource_id: str, user: User, name: str, body: ActionRequest | None
) -> ActionResult:
    body = body or ActionRequest()
    version = service.act(
        db, resource_id=resource_id, action=name, actor=user, revision=body.revision,
        message=body.message,
    )  # fmt: skip
    event = service.last_event(db, version=version)
    db.commit()
    return ActionResult(
        resource_id=resource_id,
        revision=version.revision,
        status=version.status,
        event=views.event_read(event, user.username),
    )


@router.post("/resources/{resource_id:rid}/review/submit")
def submit(
    resource_id: str, db: DbSession, user: CurrentUser, body: ActionRequest | None = None
) -> ActionResult:
    """Send the open revision to the reviewers (its maintainers and admins)."""
    return _act(db, resource_id, user, "submit", body)


@router.post("/resources/{resource_id:rid}/review/withdraw")
def withdraw(
    resource_id: str, db: DbSession, user: CurrentUser, body: ActionRequest | None = None
) -> ActionResult:
    """Withdraw the open revision; it will not be published (its maintainers and admins)."""
    return _act(db, resource_id, user, "withdraw", body)


@router.post("/resources/{resource_id:rid}/review/request-changes")
def request_changes(
    resource_id: str, db: DbSession, user: CurrentUser, body: ActionRequest
) -> ActionResult:
    """Send the revision in review back to its uploader with a message (reviewers, admins)."""
    return _act(db, resource_id, user, "request_changes", body)


@router.post("/resources/{resource_id:rid}/review/reject")
def reject(resource_id: str, db: DbSession, user: CurrentUser, body: ActionRequest) -> ActionResult:
    """Reject the revision in review with a message (reviewers and admins)."""
    return _act(db, resource_id, user, "reject", body)


@router.post("/resources/{resource_id:rid}/review/approve", status_code=201)
def approve(
    resource_id: str, hub: HubDep, db: DbSession, user: CurrentUser, body: ApproveRequest
) -> VersionRead:
    """Publish the revision in review as the next version (reviewers and admins). Needs a passed
    check, or ``override_reason``."""
    return _publishing(
        hub,
        db,
        lambda batch: service.approve(
            db, hub.storage, resource_id=resource_id, actor=user, batch=batch,
            allow_own=hub.settings.allow_self_approval, revision=body.revision,
            message=body.message, override_reason=body.override_reason,
            change_note=body.change_note,
        ),
    )  # fmt: skip


@router.post("/resources/{resource_id:rid}/publish", status_code=201)
def publish(
    resource_id: str,
    hub: HubDep,
    db: DbSession,
    user: CurrentUser,
    body: PublishRequest | None = None,
) -> VersionRead:
    """Publish the open revision now (admins): it is submitted if needed and approved, with two
    audit rows. Needs a passed check, or ``override_reason``."""
    body = body or PublishRequest()
    return _publishing(
        hub,
        db,
        lambda batch: service.publish_now(
            db, hub.storage, resource_id=resource_id, actor=user, batch=batch,
            allow_own=hub.settings.allow_self_approval,
            override_reason=body.override_reason, change_note=body.change_note,
        ),
    )  # fmt: skip


@router.get("/resources/{resource_id:rid}/review/comments")
def list_comments(resource_id: str, db: DbSession, user: CurrentUser) -> list[CommentRead]:
    """The comments of the open draft's thread, oldest first."""
    items = thread.thread(db, resource_id=resource_id, viewer=user)
    return [views.comment_read(i.comment, i.author) for i in items if i.comment is not None]


@router.post("/resources/{resource_id:rid}/review/comments", status_code=201)
def add_comment(
    resource_id: str, db: DbSession, user: CurrentUser, body: CommentCreate
) -> CommentRead:
    """Comment on the open revision (markdown; shown sanitised). Its uploader, maintainers,
    reviewers and admins can comment and read the thread."""
    note = thread.add_comment(
        db, resource_id=resource_id, actor=user, body=body.body, revision=body.revision
    )
    db.commit()
    return views.comment_read(note, user.username)


@router.get("/resources/{resource_id:rid}/history")
def history(resource_id: str, db: DbSession, user: CurrentUser) -> list[EventRead]:
    """The audit log of the resource: every transition, who, when, from, to, message."""
    events = service.history(db, resource_id=resource_id, viewer=user)
    names = service.usernames(db, ids={e.actor_id for e in events})
    return [views.event_read(e, names.get(e.actor_id, "?")) for e in events]


@router.post("/resources/{resource_id:rid}/versions/{label}/yank")
def yank(
    resource_id: str, label: str, hub: HubDep, db: DbSession, user: CurrentUser, body: YankRequest
) -> VersionRead:
    """Flag a published version as yanked, with a reason (admins). It stays downloadable."""
    version = yanking.yank(db, resource_id=resource_id, label=label, actor=user, reason=body.reason)
    db.commit()
    return version_read(version, hub.links)


@router.post("/resources/{resource_id:rid}/versions/{label}/unyank")
def unyank(
    resource_id: str, label: str, hub: HubDep, db: DbSession, user: CurrentUser
) -> VersionRead:
    """Lift the yank of a version (admins)."""
    version = yanking.unyank(db, resource_id=resource_id, label=label, actor=user)
    db.commit()
    return version_read(version, hub.links)


@router.get("/resources/{resource_id:rid}/maintainers")
def list_maintainers(resource_id: str, db: DbSession, user: CurrentUser) -> list[UserRead]:
    """Accounts added as maintainers of the resource."""
    people = maint.list_maintainers(db, resource_id=resource_id, viewer=user)
    return [UserRead.model_validate(u) for u in people]


@router.post("/resources/{resource_id:rid}/maintainers", status_code=201)
def add_maintainer(
    resource_id: str, db: DbSession, user: CurrentUser, body: MaintainerAdd
) -> UserRead:
    """Add a maintainer (admins)."""
    added = maint.add_maintainer(db, resource_id=resource_id, actor=user, username=body.username)
    db.commit()
    return UserRead.model_validate(added)


@router.delete("/resources/{resource_id:rid}/maintainers/{username}", status_code=204)
def remove_maintainer(resource_id: str, username: str, db: DbSession, user: CurrentUser) -> None:
    """Remove an added maintainer (admins)."""
    maint.remove_maintainer(db, resource_id=resource_id, actor=user, username=username)
    db.commit()
