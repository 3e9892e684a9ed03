"""Counting the downloads the hub serves: a whole file or package zip sent to a GET is one
``Downloaded`` event, recorded in the request's transaction (one small insert). HEAD requests,
byte ranges that do not start at 0 (a download continued) and 304 answers are not downloads;
the hub's own checks and partner syncs read storage and never come through here."""

from __future__ import annotations

from fastapi import Request
from sqlalchemy.orm import Session

from modelhub.db import utcnow
from modelhub.events import record
from modelhub.events.types import Downloaded
from modelhub.events.visitors import is_bot, product_of, visitor_hash


def counts(request: Request) -> bool:
    """Whether answering ``request`` in full is a download (not a HEAD or a continuation)."""
    if request.method != "GET" or not request.app.state.hub.settings.usage_counting:
        return False
    wanted = request.headers.get("range", "").strip().replace(" ", "")
    return not wanted or wanted.startswith("bytes=0-")


def count(
    request: Request,
    db: Session,
    *,
    resource_id: str,
    version_number: int | None,
    kind: str,
    path: str,
) -> None:
    """Record the download and commit (the route changes nothing else)."""
    user_agent = request.headers.get("user-agent", "")
    address = request.client.host if request.client else "unknown"
    now = utcnow()
    consumer, consumer_version = product_of(user_agent)
    event = Downloaded(
        resource_id=resource_id,
        version_number=version_number,
        kind=kind,
        path=path[:1024],
        visitor=visitor_hash(db, address=address, user_agent=user_agent, now=now),
        is_bot=is_bot(user_agent),
        consumer=consumer,
        consumer_version=consumer_version,
        at=now.isoformat(),
    )
    record(db, event)
    db.commit()
