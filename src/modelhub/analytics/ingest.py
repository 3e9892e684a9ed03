"""Reports of downloads by consumer software, read from matomo's tracking parameters
(``download``, ``idsite``, ``rec``, ``uadata``, ``ua``, ``_id``/``cid``) into raw usage rows.
A report is checked whole before anything is stored: an unknown resource is refused, never a
new row."""

from __future__ import annotations

import json
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import insert
from sqlalchemy.orm import Session

from modelhub.analytics.models import REPORT, UNKNOWN, UsageEvent
from modelhub.analytics.resolve import Target, resolve
from modelhub.errors import ErrorDetail, HubError
from modelhub.events.visitors import is_bot, product_of, visitor_hash

_VISITOR_ID = re.compile(r"^[0-9a-fA-F]{16}$")
_GREASE = re.compile(r"not.?a.?brand", re.IGNORECASE)
_NAME = re.compile(r"^[\w .+\-]{1,64}$")


class ReportRefused(HubError):
    """A download report that cannot be counted (400, ``code`` says why)."""

    def __init__(self, message: str, *, code: str, field: str) -> None:
        super().__init__(
            message=message,
            details=(ErrorDetail(loc=(field,), msg=message),),
            status_code=400,
            code=code,
        )


@dataclass(frozen=True)
class Client:
    """Who sent the request: the address and user agent (hashed, never stored)."""

    address: str
    user_agent: str


@dataclass(frozen=True)
class Report:
    target: Target
    consumer: str
    consumer_version: str
    user_agent: str
    visitor_key: str


def _one(params: Mapping[str, Any], name: str) -> str | None:
    value = params.get(name)
    if isinstance(value, list):
        value = value[0] if value else None
    return None if value is None else str(value)


def consumer_of(uadata: str | None, user_agent: str) -> tuple[str, str]:
    """The consumer software and its version: the first real brand of ``uadata`` (JSON
    ``{"brands": [{"brand", "version"}]}``), else the user agent's first product."""
    if uadata:
        try:
            data = json.loads(uadata)
        except ValueError:
            raise ReportRefused(
                "uadata is not JSON.", code="usage_bad_uadata", field="uadata"
            ) from None
        brands = data.get("brands") if isinstance(data, dict) else None
        if not isinstance(brands, list):
            raise ReportRefused(
                'uadata has no "brands" list.', code="usage_bad_uadata", field="uadata"
            )
        for brand in brands:
            name = brand.get("brand") if isinstance(brand, dict) else None
            if isinstance(name, str) and name.strip() and not _GREASE.search(name):
                version = str(brand.get("version") or "").strip()[:64]
                if not _NAME.match(name.strip()):
                    raise ReportRefused(
                        "The brand is not a software name.", code="usage_bad_uadata", field="uadata"
                    )
                return name.strip().lower()[:64], version
    return product_of(user_agent) if user_agent else (UNKNOWN, "")


def parse(db: Session, params: Mapping[str, Any], client: Client) -> Report:
    """Check one tracking request; ``ReportRefused`` when it cannot be counted."""
    idsite = _one(params, "idsite") or _one(params, "idSite")
    if idsite is None or not idsite.isdigit():
        raise ReportRefused("idsite must be a number.", code="usage_bad_site", field="idsite")
    if _one(params, "rec") != "1":
        raise ReportRefused("rec must be 1.", code="usage_not_recorded", field="rec")
    download = _one(params, "download")
    if not download:
        raise ReportRefused(
            "Only downloads are counted: download= is missing.",
            code="usage_download_missing",
            field="download",
        )
    target = resolve(db, download)
    if target is None:
        raise ReportRefused(
            "download= names no published resource or version of this hub.",
            code="usage_unknown_resource",
            field="download",
        )
    user_agent = (_one(params, "ua") or client.user_agent)[:512]
    consumer, version = consumer_of(_one(params, "uadata"), user_agent)
    visitor_id = _one(params, "cid") or _one(params, "_id") or ""
    key = visitor_id.lower() if _VISITOR_ID.match(visitor_id) else client.address
    return Report(target, consumer, version, user_agent, key)


def row_of(db: Session, report: Report, *, now: datetime, kind: str = "download") -> dict[str, Any]:
    """The raw usage row of a checked report."""
    visitor = visitor_hash(db, address=report.visitor_key, user_agent=report.user_agent, now=now)
    return {
        "at": now,
        "resource_id": report.target.resource_id,
        "version_number": report.target.version_number,
        "consumer": report.consumer,
        "consumer_version": report.consumer_version,
        "visitor": visitor,
        "is_bot": is_bot(report.user_agent) or is_bot(report.consumer),
        "origin": REPORT,
        "kind": kind,
    }


def append(db: Session, rows: Sequence[dict[str, Any]]) -> int:
    """Insert raw usage rows (one statement for many); how many."""
    if rows:
        db.execute(insert(UsageEvent), list(rows))
    return len(rows)
