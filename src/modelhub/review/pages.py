"""The review desk: the queue and one revision's desk (diff, checks, thread, actions)."""

from __future__ import annotations

from fastapi import APIRouter

router = APIRouter(include_in_schema=False)
