"""Webhooks: registering them, and queueing signed deliveries of hub events to them.

``queue_deliveries`` is what the rest of the hub calls when something happens; like every
service it adds rows (and their jobs) to the caller's transaction and never commits.
"""

from __future__ import annotations

import re
import secrets
import uuid
from collections.abc import Collection, Sequence
from typing import Any

from sqlalchemy import and_, func, or_, select
from sqlalchemy.orm import Session

from modelhub.accounts.models import Role, User
from modelhub.db import utcnow
from modelhub.errors import Conflict, ErrorDetail, HubError, InvalidRequest, ResourceNotFound
from modelhub.webhooks.deliveries import add_delivery
from modelhub.webhooks.models import DeliveryStatus, Webhook, WebhookDelivery
from modelhub.webhooks.sender import Outcome
from modelhub.webhooks.tasks import record_attempt
from modelhub.webhooks.urls import check_url

ALL_EVENTS = "*"
PING = "ping"
EVENT_NAME = re.compile(r"[a-z][a-z0-9_.-]{0,63}")
MAX_EVENTS = 50
MAX_WEBHOOKS_PER_USER = 20


class WebhookNotFound(ResourceNotFound):
    def __init__(self, message: str = "You have no such webhook.") -> None:
        super().__init__(message)


class InvalidEvents(InvalidRequest):
    def __init__(self, message: str, loc: tuple[str | int, ...] = ("events",)) -> None:
        super().__init__(message, [ErrorDetail(loc, message)], code="invalid_events")


class AdminOnlyOption(HubError):
    """A webhook option only admins may set; ``details`` names it."""

    def __init__(self, field: str, message: str) -> None:
        detail = ErrorDetail((field,), message)
        super().__init__(message=message, details=(detail,), status_code=403, code="forbidden")


def check_events(events: Sequence[str]) -> list[str]:
    """``events`` without repeats when they are event names, or ``["*"]``; else
    ``InvalidEvents``."""
    if not events:
        raise InvalidEvents('Name at least one event, or "*" for all of them.')
    if len(events) > MAX_EVENTS:
        raise InvalidEvents(f"Name at most {MAX_EVENTS} events.")
    if ALL_EVENTS in events:
        if len(events) > 1:
            raise InvalidEvents('"*" (every event) cannot be combined with event names.')
        return [ALL_EVENTS]
    for index, name in enumerate(events):
        if not EVENT_NAME.fullmatch(name):
            raise InvalidEvents(
                f"{name!r} is not an event name (lower-case letters, digits, '.', '_', '-').",
                ("events", index),
            )
    return list(dict.fromkeys(events))


def create_webhook(
    db: Session,
    *,
    owner: User,
    url: str,
    events: Sequence[str],
    all_resources: bool,
    allow_private: bool,
) -> tuple[Webhook, str]:
    """Register a webhook for ``owner``; returns it and its secret (show the secret once)."""
    if all_resources and not owner.role.at_least(Role.admin):
        raise AdminOnlyOption(
            "all_resources", "Only an admin can hear of every event of the hub (all_resources)."
        )
    checked_url = check_url(url, allow_private=allow_private)
    checked_events = check_events(events)
    owned = select(func.count()).select_from(Webhook).where(Webhook.owner_id == owner.id)
    count = db.scalar(owned) or 0
    if count >= MAX_WEBHOOKS_PER_USER:
        raise Conflict(
            f"You have {count} webhooks, the most one person may have.", code="too_many_webhooks"
        )
    secret = secrets.token_urlsafe(32)
    webhook = Webhook(
        owner_id=owner.id,
        url=checked_url,
        secret=secret,
        events=checked_events,
        all_resources=all_resources,
        active=True,
    )
    db.add(webhook)
    db.flush()
    return webhook, secret


def list_webhooks(db: Session, *, viewer: User, everyone: bool = False) -> list[Webhook]:
    """``viewer``'s webhooks; every webhook of the hub when ``everyone`` (admins only)."""
    query = select(Webhook).order_by(Webhook.id)
    if not everyone:
        query = query.where(Webhook.owner_id == viewer.id)
    elif not viewer.role.at_least(Role.admin):
        raise AdminOnlyOption("all", "Only an admin can list the webhooks of everyone.")
    return list(db.scalars(query))


def get_webhook(db: Session, *, webhook_id: int, viewer: User) -> Webhook:
    """One webhook, for its owner or an admin; ``WebhookNotFound`` for anyone else (who does
    not learn that it exists)."""
    webhook = db.get(Webhook, webhook_id)
    if webhook is None or not (webhook.owner_id == viewer.id or viewer.role.at_least(Role.admin)):
        raise WebhookNotFound()
    return webhook


def update_webhook(
    db: Session, *, webhook: Webhook, active: bool | None, events: Sequence[str] | None
) -> Webhook:
    """Pause or resume a webhook, or change its events. Pausing ends its pending deliveries
    as failed (redeliver them after resuming)."""
    if events is not None:
        webhook.events = check_events(events)
    if active is False and webhook.active:
        pending = select(WebhookDelivery).where(
            WebhookDelivery.webhook_id == webhook.id,
            WebhookDelivery.status == DeliveryStatus.pending,
        )
        for delivery in db.scalars(pending).all():
            # the queued attempt is recorded as not made, so that its job, when it comes, finds
            # it done, and a later redelivery is a new attempt with a job of its own
            payload = {"delivery_id": delivery.id, "attempt": delivery.attempts + 1, "retry": False}
            outcome = Outcome(None, "Not sent: the webhook was paused.", None, utcnow(), 0)
            record_attempt(db, payload=payload, outcome=outcome, delays=(), max_attempts=0)
    if active is not None:
        webhook.active = active
    db.flush()
    return webhook


def delete_webhook(db: Session, *, webhook: Webhook) -> None:
    """Remove a webhook with its secret and its delivery log; queued attempts are skipped."""
    db.delete(webhook)
    db.flush()


def subscribed(events: Collection[str], event: str) -> bool:
    return ALL_EVENTS in events or event in events


def queue_deliveries(
    db: Session,
    *,
    event: str,
    payload: dict[str, Any],
    user_ids: Collection[int],
    about: str,
) -> list[WebhookDelivery]:
    """Queue ``event`` for every active webhook that should hear of it; the deliveries added.

    Those are the webhooks of the people in ``user_ids`` (the ones involved in what happened:
    uploader, maintainers, reviewers…) and the admins' ``all_resources`` webhooks, that
    subscribed to ``event``. ``about`` names the occurrence (e.g. ``"review:412"``): a webhook
    gets one delivery per ``about``, so queueing the same occurrence again adds nothing.
    The body sent is ``{"event", "delivery", "created_at", **payload}``. Adds rows and jobs to
    the caller's transaction; never commits.
    """
    if not EVENT_NAME.fullmatch(event):
        raise ValueError(f"not an event name: {event!r}")
    involved = Webhook.owner_id.in_(sorted(set(user_ids)))
    everything = and_(Webhook.all_resources.is_(True), User.role == Role.admin)
    hooks = db.scalars(
        select(Webhook)
        .join(User, User.id == Webhook.owner_id)
        .where(Webhook.active.is_(True), User.is_active.is_(True), or_(involved, everything))
        .order_by(Webhook.id)
    )
    added = []
    for webhook in hooks.all():
        if subscribed(webhook.events, event):
            delivery = add_delivery(db, webhook=webhook, event=event, payload=payload, about=about)
            if delivery is not None:
                added.append(delivery)
    return added


def ping(db: Session, *, webhook: Webhook) -> WebhookDelivery:
    """Queue a ``ping`` to ``webhook`` (whatever its events), to test the receiver."""
    if not webhook.active:
        raise Conflict("This webhook is paused; resume it first.", code="webhook_paused")
    payload = {"webhook": {"id": webhook.id, "url": webhook.url, "events": webhook.events}}
    delivery = add_delivery(
        db, webhook=webhook, event=PING, payload=payload, about=f"ping:{uuid.uuid4().hex}"
    )
    if delivery is None:  # a fresh uuid cannot have been used
        raise RuntimeError("the ping was deduplicated")
    return delivery
