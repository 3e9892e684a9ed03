"""Review actions: submit, withdraw, request changes, reject, approve. Services take keyword
arguments, check who may act (``catalog.access``), change state only through
``lifecycle.move`` and never commit."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from modelhub.accounts.models import User
from modelhub.catalog import access, publishing
from modelhub.catalog.models import ResourceVersion, VersionStatus
from modelhub.catalog.service import get_resource, open_draft
from modelhub.checks.models import CheckStatus
from modelhub.checks.service import latest_run
from modelhub.errors import Conflict, ErrorDetail, Forbidden, InvalidRequest, ResourceNotFound
from modelhub.review import duty
from modelhub.review.lifecycle import ACTIONS, Action, Who, move, not_possible
from modelhub.review.models import ReviewEvent
from modelhub.storage.base import Storage
from modelhub.storage.service import BlobBatch


def open_revision(
    db: Session, *, resource_id: str, viewer: User, revision: int | None = None
) -> ResourceVersion:
    """The open revision of a resource the viewer may see drafts of; with ``revision``, it must
    be that one (a 409 says what it became otherwise). A partner maintainer asking about a
    draft that is not theirs to review gets the 403 that says so."""
    try:
        resource = get_resource(db, resource_id=resource_id, viewer=viewer)
    except ResourceNotFound:
        duty.refuse_outside(db, resource_id=resource_id, user=viewer)
        raise
    if not access.can_see_drafts(db, resource=resource, user=viewer):
        duty.refuse_outside(db, resource_id=resource_id, user=viewer)
        raise ResourceNotFound(f"'{resource_id}' has no draft you can see.")
    version = open_draft(db, resource_id=resource_id)
    if revision is not None and (version is None or version.revision != revision):
        named = db.scalar(
            select(ResourceVersion).where(
                ResourceVersion.resource_id == resource_id, ResourceVersion.revision == revision
            )
        )
        if named is None:
            raise ResourceNotFound(f"'{resource_id}' has no revision {revision}.")
        now = f" (revision {version.revision} is the open one now)" if version else ""
        raise Conflict(
            f"Revision {revision} of '{resource_id}' is {named.status.value.replace('_', ' ')}"
            f"{now}. Reload to see the current state.",
            code="revision_changed",
        )
    if version is None:
        raise Conflict(f"'{resource_id}' has no open draft.", code="no_draft")
    return version


def _may(db: Session, *, version: ResourceVersion, actor: User, action: Action) -> None:
    resource = version.resource
    if action.who is Who.maintainers and not access.can_upload_to(
        db, resource=resource, user=actor
    ):
        raise Forbidden(
            f"Only the maintainers of '{resource.id}' (and admins) can do this; "
            "reviewers comment, request changes, approve or reject."
        )
    if action.who is Who.reviewers and not duty.may_review(db, version=version, user=actor):
        raise duty.not_yours(version, actor, duty.partners_of(db, user=actor))


def _ready(
    db: Session, *, resource_id: str, actor: User, step: Action, revision: int | None
) -> ResourceVersion:
    """The open revision, once the actor may take ``step`` on it in its present state."""
    version = open_revision(db, resource_id=resource_id, viewer=actor, revision=revision)
    _may(db, version=version, actor=actor, action=step)
    if version.status not in step.sources:
        raise not_possible(step, version.status, version.revision)
    return version


def _text(value: str | None) -> str | None:
    return value.strip() or None if value else None


def act(
    db: Session,
    *,
    resource_id: str,
    action: str,
    actor: User,
    revision: int | None = None,
    message: str | None = None,
) -> ResourceVersion:
    """Take ``action`` (submit, withdraw, request_changes, reject) on the open revision."""
    step = ACTIONS[action]
    if step.name == "approve":
        raise ValueError("approve publishes: call approve()")
    version = _ready(db, resource_id=resource_id, actor=actor, step=step, revision=revision)
    message = _text(message)
    if step.needs_message and message is None:
        raise InvalidRequest(
            "Please write a message that tells the uploader what to change or why.",
            [ErrorDetail(("body", "message"), "required for this action")],
            code="message_required",
        )
    move(
        db,
        version_id=version.id,
        resource_id=resource_id,
        revision=version.revision,
        seen=version.status,
        action=step,
        actor=actor,
        message=message,
    )
    db.refresh(version)
    return version


def submit(
    db: Session,
    *,
    resource_id: str,
    actor: User,
    revision: int | None = None,
    message: str | None = None,
) -> ResourceVersion:
    """Send the open revision to the reviewers (its maintainers and admins)."""
    return act(
        db, resource_id=resource_id, action="submit", actor=actor, revision=revision,
        message=message,
    )  # fmt: skip


def check_gate(db: Session, *, version: ResourceVersion, override_reason: str | None) -> None:
    """Approval needs the revision's latest check to have passed, or a recorded reason."""
    if override_reason:
        return
    run = latest_run(db, version=version)
    if run is not None and run.status is CheckStatus.passed:
        return
    state = {
        None: "has not been checked",
        CheckStatus.queued: "is still waiting for its automated check",
        CheckStatus.running: "is still being checked",
        CheckStatus.failed: "failed its automated check",
        CheckStatus.error: "could not be checked (the check itself broke)",
    }[run.status if run is not None else None]
    reason = f": {run.reason}" if run is not None and run.reason else ""
    raise Conflict(
        f"Revision {version.revision} of '{version.resource_id}' {state}{reason}. "
        "Approve it only after a passed check, or give an override reason.",
        code="check_not_passed",
    )


def own_upload_gate(*, version: ResourceVersion, actor: User, allow_own: bool) -> None:
    """Separation of duties: nobody approves a revision they uploaded, reviewers and admins
    included; an override reason does not lift this. ``allow_own`` is the hub's explicit
    setting for one-person hubs (``MODELHUB_ALLOW_SELF_APPROVAL``)."""
    if allow_own or version.uploader_id != actor.id:
        return
    raise Forbidden(
        f"You uploaded revision {version.revision} of '{version.resource_id}', so another "
        "reviewer or admin must approve it (nobody approves their own upload).",
        code="own_upload",
    )


def approve(
    db: Session,
    storage: Storage,
    *,
    resource_id: str,
    actor: User,
    batch: BlobBatch,
    allow_own: bool,
    revision: int | None = None,
    message: str | None = None,
    override_reason: str | None = None,
    change_note: str | None = None,
) -> ResourceVersion:
    """Publish the revision in review as the next version vN (reviewers and admins other than
    its uploader, unless ``allow_own``)."""
    step = ACTIONS["approve"]
    version = _ready(db, resource_id=resource_id, actor=actor, step=step, revision=revision)
    own_upload_gate(version=version, actor=actor, allow_own=allow_own)
    override_reason = _text(override_reason)
    check_gate(db, version=version, override_reason=override_reason)
    move(
        db,
        version_id=version.id,
        resource_id=resource_id,
        revision=version.revision,
        seen=version.status,
        action=step,
        actor=actor,
        message=_text(message),
        override_reason=override_reason,
        number=publishing.next_number(db, resource_id=resource_id),
    )
    publishing.finish_publication(
        db, storage, version=version, publisher=actor, batch=batch, change_note=_text(change_note)
    )
    return version


def publish_now(
    db: Session,
    storage: Storage,
    *,
    resource_id: str,
    actor: User,
    batch: BlobBatch,
    allow_own: bool,
    override_reason: str | None = None,
    change_note: str | None = None,
) -> ResourceVersion:
    """An admin's shortcut: submit the open revision if needed, then approve it (two audit
    rows, the same rules, separation of duties included)."""
    if not access.can_publish(actor):
        raise Forbidden("Only an admin can publish a draft directly; reviewers approve drafts.")
    version = open_revision(db, resource_id=resource_id, viewer=actor)
    own_upload_gate(version=version, actor=actor, allow_own=allow_own)
    if version.status is not VersionStatus.in_review:
        # a failed approval rolls this back with it: the route commits only on success
        submit(db, resource_id=resource_id, actor=actor, revision=version.revision)
    return approve(
        db, storage, resource_id=resource_id, actor=actor, batch=batch, allow_own=allow_own,
        revision=version.revision, override_reason=override_reason, change_note=change_note,
    )  # fmt: skip


def history(db: Session, *, resource_id: str, viewer: User) -> list[ReviewEvent]:
    """Every transition of every revision of the resource, oldest first."""
    resource = get_resource(db, resource_id=resource_id, viewer=viewer)
    if not access.can_see_drafts(db, resource=resource, user=viewer):
        raise ResourceNotFound(f"'{resource_id}' has no review history you can see.")
    return list(
        db.scalars(
            select(ReviewEvent)
            .where(ReviewEvent.resource_id == resource_id)
            .order_by(ReviewEvent.id)
        )
    )


def last_event(db: Session, *, version: ResourceVersion) -> ReviewEvent:
    event = db.scalar(
        select(ReviewEvent)
        .where(ReviewEvent.version_id == version.id)
        .order_by(ReviewEvent.id.desc())
        .limit(1)
    )
    if event is None:
        raise LookupError(f"version {version.id} has no review event")
    return event


def usernames(db: Session, *, ids: set[int]) -> dict[int, str]:
    return dict(db.execute(select(User.id, User.username).where(User.id.in_(ids))).all())
