"""The review desk: the queue and one revision's desk (diff, checks, thread, actions).

Every form posts the revision its page showed, so that an action on a stale desk is refused
with the API's 409 instead of acting on a newer upload nobody looked at."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated

from fastapi import APIRouter, Form, Query, Request
from fastapi.responses import RedirectResponse, Response
from pydantic import BaseModel
from sqlalchemy.orm import Session

import modelhub.web.ids  # noqa: F401  (registers the {resource_id:rid} path convertor)
from modelhub.accounts.deps import OptionalUser
from modelhub.accounts.models import User
from modelhub.accounts.views import login_redirect
from modelhub.catalog import access
from modelhub.catalog.models import ResourceVersion, VersionStatus
from modelhub.catalog.service import open_draft
from modelhub.deps import DbSession, HubDep
from modelhub.errors import Conflict, Forbidden, HubError, InvalidRequest, ResourceNotFound
from modelhub.hub import Hub
from modelhub.links import Links
from modelhub.review import desk, duty, service, thread, views
from modelhub.review.lifecycle import ACTIONS
from modelhub.review.schemas import QueueItem, ReviewState
from modelhub.storage.service import committed_blobs
from modelhub.web import render

router = APIRouter(include_in_schema=False)

QUEUE_STATES = (VersionStatus.in_review, VersionStatus.changes_requested, VersionStatus.draft)
_DONE = {
    "submitted": "Submitted for review: the reviewers have been told.",
    "withdrawn": "The revision was withdrawn; it will not be published.",
    "changes_requested": "Sent back for changes; the uploader has been told.",
    "rejected": "The revision was rejected.",
    "commented": "Your comment was added.",
}
_DONE_KEY = {
    "submit": "submitted",
    "withdraw": "withdrawn",
    "request_changes": "changes_requested",
    "reject": "rejected",
}
_FIELD_OF = {
    "message_required": "message",
    "check_not_passed": "override_reason",
    "invalid_comment": "body",
}
_Text = Annotated[str, Form(max_length=20_000)]
_Csrf = Annotated[str, Form(max_length=128)]


class QueueRow(QueueItem):
    desk_url: str
    waiting: str


class QueuePage(BaseModel):
    state: VersionStatus
    states: list[VersionStatus]
    items: list[QueueRow]
    # the queue "for <partner>" shown (None: every revision the viewer reviews)
    partner: str | None = None
    # the partners the viewer maintains: a queue tab each
    partners: list[str] = []


def waited(since: datetime, now: datetime) -> str:
    """'3 days', '5 hours', '7 minutes': how long a revision has been waiting."""
    seconds = max(0, int((now - since).total_seconds()))
    for unit, size in (("day", 86400), ("hour", 3600), ("minute", 60)):
        if seconds >= size:
            count = seconds // size
            return f"{count} {unit}{'s' if count > 1 else ''}"
    return "less than a minute"


@router.get("/review")
def queue_page(
    request: Request,
    db: DbSession,
    hub: HubDep,
    user: OptionalUser,
    state: str = "in_review",
    partner: Annotated[str | None, Query(max_length=32)] = None,
) -> Response:
    """The review queue, oldest first: reviewers and admins see every revision, partner
    maintainers those claiming their partners (``partner``: the queue "for" one partner);
    ``state`` also lists revisions sent back for changes or still drafts."""
    if user is None:
        return login_redirect(request)
    status = next((s for s in QUEUE_STATES if s.value == state), None)
    if status is None:
        raise InvalidRequest("state must be in_review, changes_requested or draft.")
    now = datetime.now(UTC)
    rows = []
    for version, last in thread.queue(db, viewer=user, status=status, partner=partner or None):
        item = views.queue_item(db, version, last, hub.links)
        rows.append(QueueRow(**item.model_dump(), desk_url=Links.review_path(version.resource_id),
                             waiting=waited(item.since, now)))  # fmt: skip
    data = QueuePage(
        state=status, states=list(QUEUE_STATES), items=rows, partner=partner or None,
        partners=duty.partners_of(db, user=user),
    )  # fmt: skip
    return render.page(request, "review_queue.html", data, extra={"user": user})


class DeskForm(BaseModel):
    """What the viewer typed, kept when an action is refused so that nothing is lost."""

    action: str | None = None
    message: str = ""
    override_reason: str = ""
    body: str = ""


class DeskPage(BaseModel):
    resource_id: str
    draft_url: str
    package_url: str
    rdf_url: str
    # a reviewer of this revision: the hub's reviewers and admins, and the maintainers of the
    # partners it claims (``for_partners``)
    is_reviewer: bool
    for_partners: list[str] = []
    # None when the resource has no open revision (it was withdrawn, rejected or published)
    review: ReviewState | None = None
    diff: desk.DeskDiff | None = None
    check: desk.DeskCheck | None = None
    check_passed: bool = False
    notice: str | None = None
    error: str | None = None
    # the field the refusal is about (message, override_reason, body), shown next to it
    error_field: str | None = None
    form: DeskForm = DeskForm()


def _desk(
    db: Session,
    hub: Hub,
    *,
    resource_id: str,
    user: User,
    notice: str | None = None,
    error: str | None = None,
    form: DeskForm | None = None,
) -> DeskPage:
    """The desk's data; 404 for people who may not see the resource's drafts."""
    page = DeskPage(
        resource_id=resource_id,
        draft_url=Links.resource_path(resource_id, "draft"),
        package_url=Links.package_path(resource_id, "draft"),
        rdf_url=Links.file_path(resource_id, "draft", "rdf.yaml"),
        is_reviewer=access.is_reviewer(user),
        notice=notice,
        error=error,
        form=form or DeskForm(),
    )
    try:
        version = service.open_revision(db, resource_id=resource_id, viewer=user)
    except Conflict as exc:
        if exc.code != "no_draft":
            raise
        return page
    items = thread.thread(db, resource_id=resource_id, viewer=user)
    page.for_partners = duty.duties(db, version=version, user=user)
    page.is_reviewer = page.is_reviewer or bool(page.for_partners)
    page.review = views.review_state(
        db, version=version, viewer=user, items=items, allow_own=hub.settings.allow_self_approval
    )
    page.diff = desk.build_diff(db, hub.storage, version=version)
    page.check = desk.desk_check(db, version=version)
    page.check_passed = page.check is not None and page.check.status == "passed"
    return page


@router.get("/review/{resource_id:rid}")
def desk_page(
    request: Request,
    resource_id: str,
    db: DbSession,
    hub: HubDep,
    user: OptionalUser,
    done: str | None = None,
) -> Response:
    """One open revision: what changed, its check, its thread, and the actions you may take
    (reviewers, admins and the resource's maintainers; others get 404)."""
    if user is None:
        return login_redirect(request)
    data = _desk(db, hub, resource_id=resource_id, user=user, notice=_DONE.get(done or ""))
    return render.page(request, "review_desk.html", data, extra={"user": user})


def _seen(raw: str) -> int:
    if raw.strip().isdigit() and int(raw) >= 1:
        return int(raw)
    raise InvalidRequest(
        "This form does not say which revision you looked at. Reload the page and try again.",
        code="revision_required",
    )


def _friendly(db: Session, exc: HubError, *, resource_id: str, seen: str) -> str:
    """The message of a refused action; a stale desk says plainly that there is news."""
    if exc.code == "revision_changed":
        current = open_draft(db, resource_id=resource_id)
        if current is not None and seen.isdigit() and current.revision > int(seen):
            return (
                f"A newer revision was uploaded while you had this page open: revision "
                f"{current.revision} is the open one now and is shown below. Please look at it "
                "and act again."
            )
    return exc.message


def _refused(
    request: Request, db: Session, hub: Hub, exc: HubError, *, user: User, resource_id: str,
    seen: str, form: DeskForm,
) -> Response:  # fmt: skip
    """The desk again with the refusal's message and the refusal's status code."""
    db.rollback()
    message = _friendly(db, exc, resource_id=resource_id, seen=seen)
    data = _desk(db, hub, resource_id=resource_id, user=user, error=message, form=form)
    data.error_field = _FIELD_OF.get(exc.code)
    return render.page(
        request, "review_desk.html", data, status_code=exc.status_code, extra={"user": user}
    )


def _approve(
    db: Session, hub: Hub, *, resource_id: str, user: User, seen: int, message: str, reason: str
) -> ResourceVersion:
    """Publish, commit, and on any failure delete the blobs the publication wrote."""
    with committed_blobs(db, hub.storage, hub.sessions, purpose="publish") as batch:
        return service.approve(
            db, hub.storage, resource_id=resource_id, actor=user, batch=batch, revision=seen,
            allow_own=hub.settings.allow_self_approval, message=message, override_reason=reason,
        )  # fmt: skip


@router.post("/review/{resource_id:rid}/actions/{action}")
def take_action(
    request: Request,
    resource_id: str,
    action: str,
    db: DbSession,
    hub: HubDep,
    user: OptionalUser,
    revision: Annotated[str, Form(max_length=12)] = "",
    message: _Text = "",
    override_reason: _Text = "",
    csrf: _Csrf = "",
) -> Response:
    """Submit, withdraw, request changes, reject or approve the revision shown on the desk."""
    name = action.replace("-", "_")
    if name not in ACTIONS:
        raise ResourceNotFound(f"There is no review action '{action}'.")
    if not render.csrf_ok(request, csrf):
        raise Forbidden("The form expired. Please reload the page and try again.")
    if user is None:
        return login_redirect(request, Links.review_path(resource_id))
    form = DeskForm(action=name, message=message, override_reason=override_reason)
    try:
        if name == "approve":
            version = _approve(
                db, hub, resource_id=resource_id, user=user, seen=_seen(revision),
                message=message, reason=override_reason,
            )  # fmt: skip
            return RedirectResponse(Links.resource_path(resource_id, version.label), 303)
        service.act(db, resource_id=resource_id, action=name, actor=user,
                    revision=_seen(revision), message=message)  # fmt: skip
        db.commit()
    except (InvalidRequest, Forbidden, Conflict) as exc:
        return _refused(request, db, hub, exc, user=user, resource_id=resource_id,
                        seen=revision, form=form)  # fmt: skip
    return RedirectResponse(Links.review_path(resource_id, done=_DONE_KEY[name]), 303)


@router.post("/review/{resource_id:rid}/comments")
def comment(
    request: Request,
    resource_id: str,
    db: DbSession,
    hub: HubDep,
    user: OptionalUser,
    body: _Text = "",
    revision: Annotated[str, Form(max_length=12)] = "",
    csrf: _Csrf = "",
) -> Response:
    """Comment on the open revision (markdown, shown sanitised)."""
    if not render.csrf_ok(request, csrf):
        raise Forbidden("The form expired. Please reload the page and try again.")
    if user is None:
        return login_redirect(request, Links.review_path(resource_id))
    try:
        note = thread.add_comment(
            db, resource_id=resource_id, actor=user, body=body, revision=_seen(revision)
        )
        db.commit()
    except (InvalidRequest, Conflict) as exc:
        return _refused(request, db, hub, exc, user=user, resource_id=resource_id,
                        seen=revision, form=DeskForm(action="comment", body=body))  # fmt: skip
    return RedirectResponse(Links.review_path(resource_id, done="commented", comment=note.id), 303)
