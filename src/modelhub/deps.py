"""Typed dependencies shared by every router: the hub and a DB session per request. Who is
asking comes from ``modelhub.accounts.deps``."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Annotated

from fastapi import Depends, Request
from sqlalchemy.orm import Session

from modelhub.hub import Hub


def get_hub(request: Request) -> Hub:
    hub: Hub = request.app.state.hub
    return hub


HubDep = Annotated[Hub, Depends(get_hub)]


def get_db(hub: HubDep) -> Iterator[Session]:
    """A session per request. Routes that change data commit explicitly before answering;
    anything else is rolled back.

    The session ends when the route function returns, BEFORE the response is sent (scope
    "function" below): a streamed body (a package zip, a large file) or a slow reader never
    holds a pooled connection. Routes therefore hand their response plain values, never ORM
    objects that would load more later."""
    db = hub.sessions()
    try:
        yield db
    finally:
        db.rollback()
        db.close()


DbSession = Annotated[Session, Depends(get_db, scope="function")]
