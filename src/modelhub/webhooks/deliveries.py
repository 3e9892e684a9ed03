"""Deliveries: adding one (its body serialised once), the delivery log, redelivering."""

from __future__ import annotations

import json
from typing import Any

from sqlalchemy import select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from modelhub.db import utcnow
from modelhub.errors import Conflict, ResourceNotFound
from modelhub.webhooks.models import DeliveryStatus, Webhook, WebhookDelivery
from modelhub.webhooks.tasks import queue_attempt

MAX_BODY_BYTES = 64 * 1024
RESERVED_KEYS = frozenset({"event", "delivery", "created_at"})


class DeliveryNotFound(ResourceNotFound):
    def __init__(self, message: str = "This webhook has no such delivery.") -> None:
        super().__init__(message)


def add_delivery(
    db: Session, *, webhook: Webhook, event: str, payload: dict[str, Any], about: str
) -> WebhookDelivery | None:
    """Add one delivery and its first attempt; None when ``webhook`` already has one ``about``
    this. The body is serialised here, once: every attempt sends these very bytes."""
    if RESERVED_KEYS & payload.keys():
        raise ValueError(f"a webhook payload cannot use the keys {sorted(RESERVED_KEYS)}")
    now = utcnow()
    delivery_id = _insert_once(
        db,
        {
            "webhook_id": webhook.id,
            "event": event,
            "about": about,
            "payload": {},
            "body": "",
            "status": DeliveryStatus.pending,
            "attempts": 0,
            "attempt_log": [],
            "created_at": now,
        },
    )
    if delivery_id is None:
        return None
    document = {"event": event, "delivery": delivery_id, "created_at": now.isoformat(), **payload}
    body = json.dumps(document, separators=(",", ":"), allow_nan=False)
    if len(body) > MAX_BODY_BYTES:
        raise ValueError(f"a webhook body is at most {MAX_BODY_BYTES} bytes")
    delivery = db.get(WebhookDelivery, delivery_id)
    if delivery is None:
        raise RuntimeError("the delivery just added is gone")
    delivery.body = body
    delivery.payload = json.loads(body)
    queue_attempt(db, delivery=delivery, attempt=1, retry=True)
    db.flush()
    return delivery


def _insert_once(db: Session, values: dict[str, Any]) -> int | None:
    """Insert unless (webhook, about) exists; the new id or None. Insert-or-nothing keeps two
    transactions queueing the same event at once from failing on the unique constraint."""
    dialect = db.get_bind().dialect.name
    if dialect in ("sqlite", "postgresql"):
        insert = sqlite.insert if dialect == "sqlite" else postgresql.insert
        stmt = (
            insert(WebhookDelivery)
            .values(**values)
            .on_conflict_do_nothing(index_elements=["webhook_id", "about"])
            .returning(WebhookDelivery.id)
        )
        new_id: int | None = db.execute(stmt).scalar()
        return new_id
    exists = select(WebhookDelivery.id).where(
        WebhookDelivery.webhook_id == values["webhook_id"], WebhookDelivery.about == values["about"]
    )
    if db.scalar(exists) is not None:
        return None
    delivery = WebhookDelivery(**values)
    db.add(delivery)
    db.flush()
    return delivery.id


def list_deliveries(
    db: Session, *, webhook: Webhook, status: DeliveryStatus | None = None, limit: int = 50
) -> list[WebhookDelivery]:
    """The delivery log of ``webhook``, newest first, optionally of one status."""
    query = select(WebhookDelivery).where(WebhookDelivery.webhook_id == webhook.id)
    if status is not None:
        query = query.where(WebhookDelivery.status == status)
    return list(db.scalars(query.order_by(WebhookDelivery.id.desc()).limit(limit)))


def get_delivery(db: Session, *, webhook: Webhook, delivery_id: int) -> WebhookDelivery:
    """One delivery of ``webhook``; ``DeliveryNotFound`` when it belongs to another one."""
    delivery = db.get(WebhookDelivery, delivery_id)
    if delivery is None or delivery.webhook_id != webhook.id:
        raise DeliveryNotFound()
    return delivery


def redeliver(db: Session, *, webhook: Webhook, delivery: WebhookDelivery) -> WebhookDelivery:
    """Send a delivered or failed delivery once more, with the same body (and so the same
    delivery id and signature); one attempt, not retried. Refused while an attempt is pending
    and while the webhook is paused."""
    if not webhook.active:
        raise Conflict("This webhook is paused; resume it first.", code="webhook_paused")
    if delivery.status is DeliveryStatus.pending:
        raise Conflict(
            "This delivery is still pending: an attempt is queued already.",
            code="delivery_pending",
        )
    delivery.status = DeliveryStatus.pending
    delivery.delivered_at = None
    queue_attempt(db, delivery=delivery, attempt=delivery.attempts + 1, retry=False)
    db.flush()
    return delivery
