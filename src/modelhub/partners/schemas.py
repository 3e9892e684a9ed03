"""Pydantic I/O for community partners."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from modelhub.partners.models import URL_LENGTH, ApplicationStatus

_TEXT = 20_000
_URL = Field(max_length=URL_LENGTH, description="http(s) address")
_OPTIONAL_URL = Field(default=None, max_length=URL_LENGTH, description="http(s) address")


class ApplicationCreate(BaseModel):
    """What a software team or organisation tells the admins when it applies."""

    name: str = Field(min_length=1, max_length=200, description="The software or organisation")
    description: str = Field(min_length=1, max_length=_TEXT)
    about_url: str | None = _OPTIONAL_URL
    resources: str = Field(
        min_length=1, max_length=_TEXT, description="The resources you will contribute"
    )
    collection_url: str = _URL
    test_summary_url: str | None = _OPTIONAL_URL
    maintenance_plan: str = Field(min_length=1, max_length=_TEXT)
    proposed_id: str | None = Field(
        default=None, max_length=64, description="The partner id you would like (admins decide)"
    )


class ApproveRequest(BaseModel):
    partner_id: str = Field(min_length=1, max_length=64, description="The agreed partner id")
    message: str | None = Field(default=None, max_length=_TEXT)


class DeclineRequest(BaseModel):
    message: str = Field(min_length=1, max_length=_TEXT, description="Why, for the applicant")


class ApplicationRead(BaseModel):
    id: int
    applicant: str | None
    name: str
    description: str
    about_url: str | None
    resources: str
    collection_url: str
    test_summary_url: str | None
    maintenance_plan: str
    proposed_id: str | None
    status: ApplicationStatus
    created_at: datetime
    decided_at: datetime | None
    decided_by: str | None
    decision_message: str | None
    partner_id: str | None


class PartnerUpdate(BaseModel):
    """Fields left out stay as they are; ``null`` clears an optional address."""

    name: str | None = Field(default=None, min_length=1, max_length=200)
    description: str | None = Field(default=None, max_length=_TEXT)
    about_url: str | None = _OPTIONAL_URL
    collection_url: str | None = _OPTIONAL_URL
    test_summary_url: str | None = _OPTIONAL_URL


class SyncStatus(BaseModel):
    """The last sync of the partner's collection (all empty: never synced)."""

    last_attempt_at: datetime | None
    last_success_at: datetime | None
    last_error: str | None
    never_synced: bool
    # the last finished sync's counts: added, updated, unchanged, failed, retired, requests…
    report: dict[str, Any] | None = None


class Visual(BaseModel):
    """A logo, icon or background image: an emoji (``text``) or an image the hub stored
    (``url``: its address on the hub)."""

    text: str | None = None
    url: str | None = None
    media_type: str | None = None


class PartnerLook(BaseModel):
    """How the partner's landing page looks: from its collection's ``config`` (defaults until
    a sync stored one)."""

    customised: bool = Field(description="A sync stored the collection's config")
    logo: Visual | None = None
    icon: Visual | None = None
    background_image: Visual | None = None
    about_url: str | None = None
    tags: list[str] = Field(default_factory=list)
    splash_title: str
    splash_subtitle: str | None = None
    splash_feature_list: list[str] = Field(default_factory=list)
    explore_button_text: str
    resource_types: list[str]
    default_type: str = Field(description="A resource type, or 'all'")
    explore_url: str = Field(description="The catalog filtered to the partner's items")


class PartnerBadge(BaseModel):
    """A partner as the catalog shows it: its logo (or icon) linking to its landing page."""

    id: str
    name: str
    url: str = Field(description="The partner's landing page")
    explore_url: str
    logo: Visual | None = None
    icon: Visual | None = None
    splash_subtitle: str | None = None
    resource_types: list[str] = Field(default_factory=list)


class PartnerRead(BaseModel):
    id: str
    name: str
    description: str
    about_url: str | None
    collection_url: str
    test_summary_url: str | None
    maintainers: list[str]
    created_at: datetime
    sync: SyncStatus
    appearance: PartnerLook


class PartnerResource(BaseModel):
    """A published resource of the partner (id ``<partner id>/<name>``)."""

    id: str
    name: str
    type: str
    url: str


class EntryRead(BaseModel):
    """One entry of the partner's collection as the last sync saw it: ``ok`` (its resource
    holds what the collection says), ``failed`` (the error; the resource keeps its last good
    version) or ``removed`` (no longer listed: its resource is retired)."""

    key: str
    source: str
    resource_id: str | None
    status: str
    error: str | None
    error_code: str | None = None
    error_details: list[dict[str, Any]] = []
    last_attempt_at: datetime | None
    last_success_at: datetime | None


class PartnerDetail(PartnerRead):
    resources: list[PartnerResource]
    entries: list[EntryRead]


class MaintainerAdd(BaseModel):
    username: str = Field(min_length=1, max_length=320, description="Username or e-mail")


class MaintainerRead(BaseModel):
    username: str
    added_at: datetime


class PartnerTokenCreate(BaseModel):
    name: str = Field(default="ci", min_length=1, max_length=100)


class PartnerTokenRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    partner_id: str
    name: str
    prefix: str
    created_at: datetime
    last_used_at: datetime | None
    revoked_at: datetime | None


class PartnerTokenCreated(PartnerTokenRead):
    """Returned once, when the token is made: the only time the secret is shown."""

    token: str


class PartnerSyncRow(BaseModel):
    """One partner in the admins' view of syncs: its status and its failing entries (the
    first few; the partner's page lists them all)."""

    id: str
    name: str
    url: str
    sync: SyncStatus
    entries: dict[str, int]  # status -> count
    failing: list[EntryRead]
