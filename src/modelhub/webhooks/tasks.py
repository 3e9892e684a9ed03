"""The ``webhook`` job kind: one job per delivery attempt, retried with backoff.

Each attempt is its own job (payload: delivery id, attempt number), so that the wait before the
next one is a delayed job (``run_after``) rather than a worker asleep. ``prepare`` re-loads the
delivery and signs its stored body on the hub (the secret never goes to a worker); ``run`` POSTs
on a worker; ``apply`` records the attempt and queues the next one, or ends the delivery.
Applying the same attempt twice changes nothing: an attempt is recorded once, by its number.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy.orm import Session

from modelhub.db import utcnow
from modelhub.jobs import service as jobs
from modelhub.jobs.registry import JobKind, SkipJob
from modelhub.webhooks import sender, signing
from modelhub.webhooks.models import DeliveryStatus, Webhook, WebhookDelivery

WEBHOOK_JOB = "webhook"
DEFAULT_DELAYS = (10.0, 60.0, 300.0, 1800.0, 7200.0)
MAX_LOGGED_ATTEMPTS = 50


@dataclass(frozen=True)
class WebhookSettings:
    """How deliveries are made: the SSRF rule, the waits between attempts (the last one
    repeats) and how many attempts a delivery gets before it is failed."""

    allow_private: bool = False
    retry_delays: tuple[float, ...] = DEFAULT_DELAYS
    max_attempts: int = 6
    timeout_s: float = sender.TIMEOUT_S


@dataclass(frozen=True)
class DeliveryTask:
    """What a worker needs for one attempt: already signed, no secret."""

    url: str
    body: bytes
    headers: dict[str, str]
    allow_private: bool
    timeout_s: float


def queue_attempt(
    db: Session,
    *,
    delivery: WebhookDelivery,
    attempt: int,
    retry: bool,
    run_after: datetime | None = None,
) -> None:
    """Queue attempt number ``attempt`` of ``delivery`` (in the caller's transaction).

    ``retry``: when it fails, queue the next one after a delay (False for a redelivery asked
    for by hand, which is one attempt). The job itself is tried once: a lost worker counts as a
    failed attempt of the delivery, retried with its backoff.
    """
    jobs.enqueue(
        db,
        kind=WEBHOOK_JOB,
        payload={"delivery_id": delivery.id, "attempt": attempt, "retry": retry},
        dedupe_key=f"webhook:{delivery.id}:{attempt}",
        max_attempts=1,
        run_after=run_after,
    )
    delivery.next_attempt_at = run_after or utcnow()


def deliver(task: DeliveryTask) -> dict[str, Any]:
    """Worker side: make the attempt; its outcome as JSON (kept in the job's result too)."""
    outcome = sender.post(
        task.url,
        task.body,
        task.headers,
        allow_private=task.allow_private,
        timeout_s=task.timeout_s,
    )
    return outcome_json(outcome)


def outcome_json(outcome: sender.Outcome) -> dict[str, Any]:
    return {
        "status_code": outcome.status_code,
        "error": outcome.error,
        "excerpt": outcome.excerpt,
        "started_at": outcome.started_at.isoformat(),
        "duration_ms": outcome.duration_ms,
        "permanent": outcome.permanent,
    }


def record_attempt(
    db: Session,
    *,
    payload: dict[str, Any],
    outcome: sender.Outcome,
    delays: Sequence[float],
    max_attempts: int,
) -> WebhookDelivery | None:
    """Write one attempt's outcome into its delivery, then queue the next attempt or end the
    delivery. None (and nothing changed) when this attempt was recorded already."""
    delivery = db.get(WebhookDelivery, payload["delivery_id"])
    attempt = int(payload["attempt"])
    if delivery is None or delivery.status is not DeliveryStatus.pending:
        return None
    if delivery.attempts >= attempt:
        return None
    delivery.attempts = attempt
    delivery.last_status_code = outcome.status_code
    delivery.last_error = outcome.error
    delivery.response_excerpt = outcome.excerpt
    entry = {
        "attempt": attempt,
        "at": outcome.started_at.isoformat(),
        "status_code": outcome.status_code,
        "error": outcome.error,
        "duration_ms": outcome.duration_ms,
    }
    # a new list, so that the JSON column is seen as changed
    delivery.attempt_log = [*delivery.attempt_log, entry][-MAX_LOGGED_ATTEMPTS:]
    now = utcnow()
    if outcome.ok:
        delivery.status = DeliveryStatus.delivered
        delivery.delivered_at = now
        delivery.next_attempt_at = None
    elif payload.get("retry", True) and attempt < max_attempts and not outcome.permanent:
        delay = delays[min(attempt, len(delays)) - 1]
        run_after = now + timedelta(seconds=delay)
        queue_attempt(db, delivery=delivery, attempt=attempt + 1, retry=True, run_after=run_after)
    else:
        delivery.status = DeliveryStatus.failed
        delivery.next_attempt_at = None
    db.flush()
    return delivery


def make_kind(settings: WebhookSettings) -> JobKind:
    """The ``webhook`` kind, bound to ``settings``."""
    if not settings.retry_delays or settings.max_attempts < 1:
        raise ValueError("webhooks need at least one retry delay and one attempt")

    def prepare(db: Session, payload: dict[str, Any]) -> DeliveryTask:
        delivery = db.get(WebhookDelivery, payload["delivery_id"])
        if delivery is None:
            raise SkipJob("the delivery is gone")
        if delivery.status is not DeliveryStatus.pending or delivery.attempts >= payload["attempt"]:
            raise SkipJob("this attempt was made already")
        webhook = db.get(Webhook, delivery.webhook_id)
        if webhook is None or not webhook.active:
            raise SkipJob("the webhook is paused or gone")
        body = delivery.body.encode()
        return DeliveryTask(
            url=webhook.url,
            body=body,
            headers=signing.headers(
                secret=webhook.secret,
                body=body,
                event=delivery.event,
                delivery_id=delivery.id,
                timestamp=int(time.time()),
            ),
            allow_private=settings.allow_private,
            timeout_s=settings.timeout_s,
        )

    def apply(db: Session, payload: dict[str, Any], result: Any) -> None:
        outcome = sender.Outcome(
            status_code=result["status_code"],
            error=result["error"],
            excerpt=result["excerpt"],
            started_at=datetime.fromisoformat(result["started_at"]),
            duration_ms=int(result["duration_ms"]),
            permanent=bool(result.get("permanent", False)),
        )
        record_attempt(
            db,
            payload=payload,
            outcome=outcome,
            delays=settings.retry_delays,
            max_attempts=settings.max_attempts,
        )

    def fail(db: Session, payload: dict[str, Any], error: str) -> None:
        # the attempt could not be made or recorded (a lost worker, a hub that stopped):
        # it counts as a failed attempt, retried like any other
        outcome = sender.Outcome(None, f"The attempt did not run: {error}", None, utcnow(), 0)
        record_attempt(
            db,
            payload=payload,
            outcome=outcome,
            delays=settings.retry_delays,
            max_attempts=settings.max_attempts,
        )

    return JobKind(name=WEBHOOK_JOB, prepare=prepare, run=deliver, apply=apply, fail=fail)
