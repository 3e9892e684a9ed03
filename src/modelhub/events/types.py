"""The hub's domain events: ids and small facts, JSON as they are (the outbox stores them)."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class Event:
    """Base of every domain event; subclasses add JSON-ready fields only (str, int, None)."""

    def as_json(self) -> dict[str, Any]:
        return dataclasses.asdict(self)


@dataclass(frozen=True)
class VersionPublished(Event):
    """A revision became the published version ``number`` of its resource."""

    resource_id: str
    version_id: int
    number: int
    publisher_id: int


@dataclass(frozen=True)
class VersionYanked(Event):
    resource_id: str
    version_id: int
    number: int
    actor_id: int


@dataclass(frozen=True)
class VersionUnyanked(Event):
    resource_id: str
    version_id: int
    number: int
    actor_id: int


@dataclass(frozen=True)
class ListingChanged(Event):
    """The resource's listing (name, tags, latest version…) was set again: its subscribers read
    the resource as it is when they run."""

    resource_id: str


@dataclass(frozen=True)
class CheckFinished(Event):
    """A check run has its final status (passed, failed or error)."""

    check_run_id: int
    version_id: int
    resource_id: str
    status: str


@dataclass(frozen=True)
class ReviewMoved(Event):
    """A review transition (submit, approve, yank…), audited as the ``review_events`` row."""

    review_event_id: int
    resource_id: str
    version_id: int
    action: str
    actor_id: int


@dataclass(frozen=True)
class CommentAdded(Event):
    comment_id: int
    resource_id: str
    version_id: int
    actor_id: int


@dataclass(frozen=True)
class PartnerApplied(Event):
    """Somebody applied to become a community partner."""

    application_id: int
    applicant_id: int | None


@dataclass(frozen=True)
class PartnerDecided(Event):
    """Admins approved (``partner_id`` is the agreed id) or declined a partner application;
    ``actor_id`` is None when the decision came from the hub's command line."""

    application_id: int
    decision: str
    partner_id: str | None
    actor_id: int | None


@dataclass(frozen=True)
class SummariesReceived(Event):
    """A partner's test summaries of a published version were stored (new or replaced)."""

    resource_id: str
    version_number: int
    partner_id: str


@dataclass(frozen=True)
class PartnerChanged(Event):
    """What the hub shows of a partner changed: a new partner, its details, or the appearance
    a sync stored (the collection's ``config`` and its images)."""

    partner_id: str


@dataclass(frozen=True)
class Downloaded(Event):
    """The hub served a whole file or package zip of a version (``kind``: ``file`` or
    ``package``). ``visitor`` is the day's hash of who asked (never the address or user agent);
    ``consumer`` is the product its user agent named."""

    resource_id: str
    version_number: int | None
    kind: str
    path: str
    visitor: str
    is_bot: bool
    consumer: str
    consumer_version: str
    at: str


EVENT_TYPES: dict[str, type[Event]] = {
    cls.__name__: cls
    for cls in (
        VersionPublished,
        VersionYanked,
        VersionUnyanked,
        ListingChanged,
        CheckFinished,
        ReviewMoved,
        CommentAdded,
        PartnerApplied,
        PartnerDecided,
        SummariesReceived,
        PartnerChanged,
        Downloaded,
    )
}
"""Every event by its stored name (the class name): a constant, read only."""


def name_of(event: Event) -> str:
    name = type(event).__name__
    if EVENT_TYPES.get(name) is not type(event):
        raise TypeError(f"{name} is not one of the hub's domain events")
    return name


def decode(name: str, data: dict[str, Any]) -> Event:
    """The event a stored row holds; ``KeyError`` for a name this version does not know."""
    return EVENT_TYPES[name](**data)
