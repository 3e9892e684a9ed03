"""Pydantic I/O for review."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import BaseModel, Field

from modelhub.catalog.models import VersionStatus

_MESSAGE = Field(default=None, max_length=20_000)


class ActionRequest(BaseModel):
    """Body of submit, withdraw, request-changes and reject. ``revision`` pins the revision you
    looked at: if it changed meanwhile (a new upload), the action answers 409."""

    revision: int | None = Field(default=None, ge=1)
    message: str | None = _MESSAGE


class ApproveRequest(ActionRequest):
    override_reason: str | None = Field(
        default=None, max_length=5_000, description="Needed when the check has not passed"
    )
    change_note: str | None = Field(default=None, max_length=10_000)


class PublishRequest(BaseModel):
    """An admin's direct publication: submit (if needed) and approve the open revision."""

    change_note: str | None = Field(default=None, max_length=10_000)
    override_reason: str | None = Field(default=None, max_length=5_000)


class CommentCreate(BaseModel):
    body: str = Field(min_length=1, max_length=20_000, description="Markdown")
    revision: int | None = Field(default=None, ge=1)


class YankRequest(BaseModel):
    reason: str = Field(min_length=1, max_length=5_000)


class MaintainerAdd(BaseModel):
    username: str = Field(min_length=1, max_length=64)


class EventRead(BaseModel):
    id: int
    revision: int
    action: str
    from_status: str
    to_status: str
    actor: str
    message: str | None
    override_reason: str | None
    created_at: datetime


class CommentRead(BaseModel):
    id: int
    revision: int
    author: str
    body: str
    body_html: str
    created_at: datetime


class ThreadEntry(BaseModel):
    kind: Literal["comment", "event"]
    comment: CommentRead | None = None
    event: EventRead | None = None


class CheckState(BaseModel):
    id: int | None
    status: str | None
    reason: str | None


class ReviewState(BaseModel):
    """The open revision of a resource, its check, what you may do, and its thread."""

    resource_id: str
    name: str
    revision: int
    status: VersionStatus
    uploader: str
    change_note: str | None
    created_at: datetime
    check: CheckState
    actions: list[str]
    # an action the revision's state allows but this viewer may not take, and why
    withheld: dict[str, str] = {}
    thread: list[ThreadEntry]


class QueueItem(BaseModel):
    resource_id: str
    name: str
    revision: int
    status: VersionStatus
    uploader: str
    since: datetime
    check: CheckState
    url: str
    # the partners whose compatibility the revision claims: their maintainers review it too
    partners: list[str] = []


class ActionResult(BaseModel):
    """What an action did: the revision's new state and the audit row it wrote."""

    resource_id: str
    revision: int
    status: VersionStatus
    event: EventRead
