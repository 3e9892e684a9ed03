"""Telling partners' CI that a version was published or yanked, so that it can test it again:
one signed POST per (partner, event) to the partner's ``ci_webhook_url``, made like the hub's
webhooks (``webhooks.signing``'s headers and HMAC, ``webhooks.tasks.deliver`` through the same
address checks, the same retry delays), each attempt a ``partner_ci`` job.

The body (JSON, signed as sent; every attempt sends the same bytes)::

    {"event": "version.published" | "version.yanked", "delivery": <notice id>,
     "created_at": "…", "partner_id": "…", "resource_id": "…", "type": "model",
     "version": "v3", "number": 3, "rdf_url": "…/rdf.yaml", "resource_url": "…"}
"""

from __future__ import annotations

import json
import time
from datetime import timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from modelhub.compat.models import CiNotice, DeliveryStatus
from modelhub.db import utcnow
from modelhub.jobs import service as jobs
from modelhub.jobs.registry import JobKind, SkipJob
from modelhub.partners.models import Partner
from modelhub.webhooks import signing
from modelhub.webhooks.tasks import DeliveryTask, WebhookSettings, deliver

CI_JOB = "partner_ci"


def queue_attempt(db: Session, *, notice_id: int, attempt: int, delay_s: float = 0) -> None:
    run_after = utcnow() + timedelta(seconds=delay_s) if delay_s else None
    jobs.enqueue(
        db,
        kind=CI_JOB,
        payload={"notice_id": notice_id, "attempt": attempt},
        dedupe_key=f"partner-ci:{notice_id}:{attempt}",
        max_attempts=1,
        run_after=run_after,
    )


def notify(db: Session, *, event: str, about: str, facts: dict[str, Any]) -> list[int]:
    """Queue ``event`` for every partner with a CI hook; once per (partner, ``about``). The
    ids of the notices added."""
    partners = db.scalars(
        select(Partner)
        .where(Partner.ci_webhook_url.is_not(None), Partner.ci_webhook_secret.is_not(None))
        .order_by(Partner.id)
    ).all()
    insert = postgresql.insert if db.get_bind().dialect.name == "postgresql" else sqlite.insert
    added = []
    for partner in partners:
        now = utcnow()
        new_id = db.execute(
            insert(CiNotice)
            .values(
                partner_id=partner.id,
                event=event,
                about=about,
                body="",
                status=DeliveryStatus.pending,
                attempts=0,
                created_at=now,
            )
            .on_conflict_do_nothing(index_elements=["partner_id", "about"])
            .returning(CiNotice.id)
        ).scalar()
        if new_id is None:
            continue
        document = {
            "event": event,
            "delivery": new_id,
            "created_at": now.isoformat(),
            "partner_id": partner.id,
            **facts,
        }
        notice = db.get(CiNotice, new_id)
        if notice is None:
            raise RuntimeError("the notice just added is gone")
        notice.body = json.dumps(document, separators=(",", ":"), allow_nan=False)
        queue_attempt(db, notice_id=new_id, attempt=1)
        added.append(new_id)
    db.flush()
    return added


def record(
    db: Session, payload: dict[str, Any], result: dict[str, Any], rules: WebhookSettings
) -> None:
    """Write one attempt's outcome; queue the next one after its delay, or end the notice.
    An attempt is recorded once (by its number)."""
    notice = db.get(CiNotice, payload["notice_id"])
    attempt = int(payload["attempt"])
    if notice is None or notice.status is not DeliveryStatus.pending or notice.attempts >= attempt:
        return
    notice.attempts = attempt
    notice.last_status_code = result.get("status_code")
    notice.last_error = result.get("error")
    code = result.get("status_code")
    if result.get("error") is None and code is not None and 200 <= code < 300:
        notice.status = DeliveryStatus.delivered
        notice.delivered_at = utcnow()
    elif attempt < rules.max_attempts and not result.get("permanent"):
        delays = rules.retry_delays
        queue_attempt(
            db,
            notice_id=notice.id,
            attempt=attempt + 1,
            delay_s=delays[min(attempt, len(delays)) - 1],
        )
    else:
        notice.status = DeliveryStatus.failed
    db.flush()


def make_kind(rules: WebhookSettings) -> JobKind:
    """The ``partner_ci`` kind, bound to the hub's webhook rules (addresses, retries)."""

    def prepare(db: Session, payload: dict[str, Any]) -> DeliveryTask:
        notice = db.get(CiNotice, payload["notice_id"])
        if notice is None or notice.status is not DeliveryStatus.pending:
            raise SkipJob("the notice is gone or ended")
        if notice.attempts >= payload["attempt"]:
            raise SkipJob("this attempt was made already")
        partner = db.get(Partner, notice.partner_id)
        if partner is None or not partner.ci_webhook_url or not partner.ci_webhook_secret:
            raise SkipJob("the partner has no CI hook any more")
        body = notice.body.encode()
        return DeliveryTask(
            url=partner.ci_webhook_url,
            body=body,
            headers=signing.headers(
                secret=partner.ci_webhook_secret,
                body=body,
                event=notice.event,
                delivery_id=notice.id,
                timestamp=int(time.time()),
            ),
            allow_private=rules.allow_private,
            timeout_s=rules.timeout_s,
        )

    def apply(db: Session, payload: dict[str, Any], result: Any) -> None:
        record(db, payload, result, rules)

    def fail(db: Session, payload: dict[str, Any], error: str) -> None:
        outcome = {"status_code": None, "error": f"The attempt did not run: {error}"}
        record(db, payload, outcome, rules)

    return JobKind(name=CI_JOB, prepare=prepare, run=deliver, apply=apply, fail=fail)
