"""The upload wizard, the page of one's own upload (checks, fixes, submit) and "my uploads"."""

from __future__ import annotations

from fastapi import APIRouter

router = APIRouter(include_in_schema=False)
