"""What the upload pages show: one pydantic model per page, rendered as HTML or as its JSON
twin from the same data."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel

from modelhub.uploads.fields import FixValues
from modelhub.uploads.schemas import Problem


class UploadPage(BaseModel):
    """The upload wizard: the drop zone, and after a refusal its problems and the fix form."""

    resource_id: str | None = None
    change_note: str = ""
    max_upload_bytes: int
    refused: bool = False
    message: str | None = None  # the refusal in one sentence
    code: str | None = None
    # problems a form field can fix, keyed by the field's id ("license", "authors-0-orcid")
    field_errors: dict[str, list[str]] = {}
    # problems that only a new package can fix
    package_problems: list[Problem] = []
    staged: str | None = None  # the id of the refused package kept for the fix form
    form: FixValues | None = None
    images: list[str] = []
    markdown_files: list[str] = []
    preview: str | None = None  # the rdf.yaml that the fix form submits
    checked_ok: bool = False  # a preview found no problem


class FormatResult(BaseModel):
    format: str
    status: str
    reason: str | None = None


class CheckView(BaseModel):
    id: int | None = None
    status: str  # queued, running, passed, failed, error, or not_run
    reason: str | None = None
    formats: list[FormatResult] = []
    finished: bool = False


class PageAction(BaseModel):
    name: str  # submit, withdraw, new_revision, view_draft
    label: str
    method: str  # post or get
    url: str


class UploadStatusPage(BaseModel):
    """One's own upload: the open (or last) revision, its check and what one can do."""

    resource_id: str
    emoji: str
    type: str
    name: str
    revision: int | None
    status: str | None
    status_label: str
    open: bool
    change_note: str | None = None
    uploaded_at: datetime | None = None
    latest_version: int | None = None
    warnings: list[Problem] = []
    check: CheckView
    live: bool  # the check is still queued or running: the page updates itself
    actions: list[PageAction] = []
    card_url: str
    draft_url: str | None = None
    notice: str | None = None


class MyUpload(BaseModel):
    resource_id: str
    emoji: str
    type: str
    name: str
    latest_version: str | None  # "v2", or None while nothing is published
    published_check_status: str | None = None  # the latest check of that published version
    open_revision: int | None
    open_status: str | None
    check_status: str | None
    status_url: str
    card_url: str


class MyUploadsPage(BaseModel):
    items: list[MyUpload]
