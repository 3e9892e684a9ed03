"""``/collection.json`` and ``/index.json``: the catalog in bioimage.io's shapes for the
readers of today's bioimage.io collection."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import Response
from sqlalchemy.orm import Session

from modelhub.deps import DbSession, HubDep
from modelhub.exports import documents, service
from modelhub.exports.models import ExportEntry
from modelhub.exports.service import StateNow
from modelhub.exports.urls import ExportUrls, export_urls
from modelhub.hub import Hub

router = APIRouter(tags=["compatibility"])

_HEADERS = {
    # caches keep the document and ask again each time: an unchanged one answers 304
    "cache-control": "public, no-cache",
}


def _matches(request: Request, etag: str) -> bool:
    wanted = request.headers.get("if-none-match")
    if not wanted:
        return False
    return wanted.strip() == "*" or etag in [t.strip() for t in wanted.split(",")]


def _current(hub: Hub, db: Session, urls: ExportUrls) -> StateNow:
    """The state to serve from, after a rebuild when the rows are stale (an upgrade, or other
    addresses: a one-off, then every request is back to one query)."""
    state = service.state_now(db)
    if state is None or state.stale_for(urls):
        db.rollback()  # end this read: the rebuild takes the lock in a transaction of its own
        service.rebuild_if_needed(hub.sessions, urls=urls)
        state = service.state_now(db)
        if state is None:  # pragma: no cover - the rebuild wrote it
            raise RuntimeError("the export state row is missing")
    return state


def _answer(etag: str, body: bytes | None) -> Response:
    headers = {"etag": etag, **_HEADERS}
    if body is None:
        return Response(status_code=304, headers=headers)
    return Response(body, media_type="application/json", headers=headers)


@router.get("/collection.json")
def collection_json(request: Request, hub: HubDep, db: DbSession) -> Response:
    """The collection in bioimage.io's shape: the hub's ``config`` (with its partners) and an
    item per published resource. Strong ETag; ``If-None-Match`` answers 304."""
    urls = export_urls(hub.settings)
    state = _current(hub, db, urls)
    head = documents.collection_head(hub.settings, urls)
    etag = documents.collection_etag(state, head)
    if _matches(request, etag):
        return _answer(etag, None)
    rows = documents.read_rows(db, ExportEntry.item, state)
    # read after the rows: a partner changed meanwhile shows now, and its bump follows
    body = documents.collection_bytes(documents.with_partners(db, head, urls), rows)
    return _answer(documents.collection_etag(rows.state, head), body)


@router.get("/index.json")
def index_json(request: Request, hub: HubDep, db: DbSession) -> Response:
    """bioimage.io's index of published resources and their versions (rdf.yaml URL and
    sha256 of each). Strong ETag; ``If-None-Match`` answers 304."""
    urls = export_urls(hub.settings)
    state = _current(hub, db, urls)
    etag = documents.index_etag(state)
    if _matches(request, etag):
        return _answer(etag, None)
    rows = documents.read_rows(db, ExportEntry.index_entry, state)
    return _answer(documents.index_etag(rows.state), documents.index_bytes(rows))
