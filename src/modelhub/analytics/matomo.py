"""The matomo-compatible subset of the reporting API (``?module=API&method=…&format=JSON``):
``Live.getCounters``, ``Actions.getDownloads`` and ``Actions.getDownload``, in matomo's JSON
shapes. ``nb_hits`` counts every download, ``nb_visits`` those left after the 30-minute
de-duplication; bots are left out as matomo leaves them out."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any
from urllib.parse import urlsplit

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from modelhub.analytics import stats
from modelhub.analytics.models import UsageDoi, UsageRollup
from modelhub.analytics.periods import BadParameter, Period, periods
from modelhub.analytics.resolve import Target, resolve
from modelhub.db import utcnow
from modelhub.links import Links

R = UsageRollup
METHODS = ("Live.getCounters", "Actions.getDownloads", "Actions.getDownload")


def error(message: str) -> dict[str, Any]:
    """Matomo's error answer (``result``, ``message``: what its clients read), carrying the
    hub's error shape too (``error.code``, ``error.message``), as every 4xx of the hub does."""
    return {
        "result": "error",
        "message": message,
        "error": {"code": "usage_report_refused", "message": message},
    }


def answer(db: Session, links: Links, params: Mapping[str, str]) -> tuple[int, Any]:
    """(status, JSON) of one reporting request."""
    method = params.get("method", "")
    if params.get("format", "JSON").lower() != "json":
        return 400, error("Only format=JSON is supported.")
    if method not in METHODS:
        return 400, error(f"The method '{method}' is not supported: {', '.join(METHODS)}.")
    if not (params.get("idSite") or params.get("idsite") or "").isdigit():
        return 400, error("idSite must be a number.")
    try:
        if method == "Live.getCounters":
            return 200, _counters(db, params)
        asked, keyed = periods(
            params.get("period", "day"), params.get("date", "today"), utcnow().date()
        )
        if method == "Actions.getDownloads":
            rows = {p.label: _downloads(db, links, p) for p in asked}
        else:
            url = params.get("downloadUrl", "")
            target = resolve(db, url) if url else None
            rows = {p.label: _download(db, url, target, p) for p in asked}
    except BadParameter as exc:
        return 400, error(exc.message)
    return 200, rows if keyed else next(iter(rows.values()))


def _counters(db: Session, params: Mapping[str, str]) -> list[dict[str, int]]:
    text = params.get("lastMinutes", "30")
    if not text.isdigit() or not 1 <= int(text) <= 2880:
        raise BadParameter("lastMinutes must be a number of minutes (1 to 2880).")
    live = stats.live(db, minutes=int(text))
    return [
        {
            "visits": live.visits,
            "actions": live.actions,
            "visitors": live.visitors,
            "visitsConverted": 0,
        }
    ]


def _sums(db: Session, period: Period, *where: Any) -> list[tuple[Any, ...]]:
    query = (
        select(R.resource_id, func.sum(R.downloads), func.sum(R.hits))
        .where(R.is_bot.is_(False), R.day >= period.start, R.day <= period.end, *where)
        .group_by(R.resource_id)
        .order_by(func.sum(R.downloads).desc(), R.resource_id)
    )
    return list(db.execute(query))


def _row(label: str, visits: int, hits: int, url: str | None = None) -> dict[str, Any]:
    row: dict[str, Any] = {"label": label, "nb_visits": visits, "nb_hits": hits}
    row["sum_time_spent"] = 0
    if url is not None:
        row["url"] = url
    return row


def _downloads(db: Session, links: Links, period: Period) -> list[dict[str, Any]]:
    """Downloads grouped by host (``doi.org`` for resources with a DOI, else the hub's), each
    with its resources' download URLs in ``subtable``."""
    sums = _sums(db, period)
    dois = _concept_dois(db, [r[0] for r in sums])
    hosts: dict[str, list[dict[str, Any]]] = {}
    for resource_id, visits, hits in sums:
        doi = dois.get(resource_id)
        url = f"https://doi.org/{doi}" if doi else links.package(resource_id, None)
        hosts.setdefault(urlsplit(url).netloc, []).append(
            _row(url, int(visits or 0), int(hits or 0), url)
        )
    out = []
    for host, rows in hosts.items():
        visits = sum(r["nb_visits"] for r in rows)
        out.append(_row(host, visits, sum(r["nb_hits"] for r in rows)) | {"subtable": rows})
    return sorted(out, key=lambda r: (-r["nb_visits"], r["label"]))


def _download(db: Session, url: str, target: Target | None, period: Period) -> list[dict[str, Any]]:
    if target is None:
        return []
    where = [R.resource_id == target.resource_id]
    if target.exact:
        where.append(R.version_number == target.version_number)
    found = _sums(db, period, *where)
    if not found or not found[0][2]:
        return []
    _rid, visits, hits = found[0]
    return [_row(url, int(visits or 0), int(hits or 0), url)]


def _concept_dois(db: Session, resource_ids: list[str]) -> dict[str, str]:
    if not resource_ids:
        return {}
    query = (
        select(UsageDoi.resource_id, func.min(UsageDoi.doi))
        .where(UsageDoi.resource_id.in_(resource_ids), UsageDoi.version_number.is_(None))
        .group_by(UsageDoi.resource_id)
    )
    return {rid: doi for rid, doi in db.execute(query)}
