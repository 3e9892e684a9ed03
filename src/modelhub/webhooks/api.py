"""JSON routes of webhooks: register, list, pause, remove; the delivery log; redeliver; ping.

A webhook is visible to its owner and to admins only; to anyone else it does not exist (404).
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query

from modelhub.accounts.deps import CurrentUser
from modelhub.deps import DbSession, HubDep
from modelhub.webhooks import deliveries, service
from modelhub.webhooks.models import DeliveryStatus
from modelhub.webhooks.schemas import (
    DeliveryRead,
    WebhookCreate,
    WebhookCreated,
    WebhookRead,
    WebhookUpdate,
)

router = APIRouter(prefix="/api/v1/webhooks", tags=["webhooks"])


@router.post("", status_code=201)
def create_webhook(
    body: WebhookCreate, user: CurrentUser, db: DbSession, hub: HubDep
) -> WebhookCreated:
    """Register a webhook. The answer holds its signing secret: the only time it is shown."""
    webhook, secret = service.create_webhook(
        db,
        owner=user,
        url=body.url,
        events=body.events,
        all_resources=body.all_resources,
        allow_private=hub.settings.webhook_allow_private,
    )
    db.commit()
    return WebhookCreated(**WebhookRead.model_validate(webhook).model_dump(), secret=secret)


@router.get("")
def list_webhooks(
    user: CurrentUser, db: DbSession, everyone: Annotated[bool, Query(alias="all")] = False
) -> list[WebhookRead]:
    """Your webhooks; with ``?all=true``, every webhook of the hub (admins only)."""
    found = service.list_webhooks(db, viewer=user, everyone=everyone)
    return [WebhookRead.model_validate(w) for w in found]


@router.get("/{webhook_id}")
def get_webhook(webhook_id: int, user: CurrentUser, db: DbSession) -> WebhookRead:
    """One of your webhooks (admins: anyone's)."""
    return WebhookRead.model_validate(service.get_webhook(db, webhook_id=webhook_id, viewer=user))


@router.patch("/{webhook_id}")
def update_webhook(
    webhook_id: int, body: WebhookUpdate, user: CurrentUser, db: DbSession
) -> WebhookRead:
    """Pause or resume a webhook (``active``), or change its ``events``. Pausing fails its
    pending deliveries; redeliver them after resuming."""
    webhook = service.get_webhook(db, webhook_id=webhook_id, viewer=user)
    service.update_webhook(db, webhook=webhook, active=body.active, events=body.events)
    db.commit()
    return WebhookRead.model_validate(webhook)


@router.delete("/{webhook_id}", status_code=204)
def delete_webhook(webhook_id: int, user: CurrentUser, db: DbSession) -> None:
    """Remove a webhook, its secret and its delivery log; nothing more is sent to it."""
    webhook = service.get_webhook(db, webhook_id=webhook_id, viewer=user)
    service.delete_webhook(db, webhook=webhook)
    db.commit()


@router.get("/{webhook_id}/deliveries")
def list_deliveries(
    webhook_id: int,
    user: CurrentUser,
    db: DbSession,
    status: DeliveryStatus | None = None,
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
) -> list[DeliveryRead]:
    """The delivery log, newest first: status, attempts (each with its time, HTTP status code
    or error), the start of the receiver's last answer, and the body's payload."""
    webhook = service.get_webhook(db, webhook_id=webhook_id, viewer=user)
    found = deliveries.list_deliveries(db, webhook=webhook, status=status, limit=limit)
    return [DeliveryRead.model_validate(d) for d in found]


@router.get("/{webhook_id}/deliveries/{delivery_id}")
def get_delivery(
    webhook_id: int, delivery_id: int, user: CurrentUser, db: DbSession
) -> DeliveryRead:
    """One delivery of the log."""
    webhook = service.get_webhook(db, webhook_id=webhook_id, viewer=user)
    delivery = deliveries.get_delivery(db, webhook=webhook, delivery_id=delivery_id)
    return DeliveryRead.model_validate(delivery)


@router.post("/{webhook_id}/deliveries/{delivery_id}/redeliver", status_code=202)
def redeliver(webhook_id: int, delivery_id: int, user: CurrentUser, db: DbSession) -> DeliveryRead:
    """Send a delivered or failed delivery again: the same body and signature, one attempt."""
    webhook = service.get_webhook(db, webhook_id=webhook_id, viewer=user)
    delivery = deliveries.get_delivery(db, webhook=webhook, delivery_id=delivery_id)
    deliveries.redeliver(db, webhook=webhook, delivery=delivery)
    db.commit()
    return DeliveryRead.model_validate(delivery)


@router.post("/{webhook_id}/ping", status_code=202)
def ping(webhook_id: int, user: CurrentUser, db: DbSession) -> DeliveryRead:
    """Queue a ``ping`` event to the webhook, to test the receiver; follow it in the log."""
    webhook = service.get_webhook(db, webhook_id=webhook_id, viewer=user)
    delivery = service.ping(db, webhook=webhook)
    db.commit()
    return DeliveryRead.model_validate(delivery)
