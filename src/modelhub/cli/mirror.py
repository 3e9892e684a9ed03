"""``modelhub mirror SOURCE``: import a collection in bioimage.io's shapes (another modelhub's
``/collection.json``, bioimage.io's ``collection.json`` or ``index.json``, or an offline copy of
one in a folder) as a read-only partner whose resources keep their ids.

A folder is read through the same fetcher as any URL: it is served on a loopback port of this
process while the mirror runs, and only that port is allowed."""

from __future__ import annotations

import re
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from functools import partial
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Annotated
from urllib.parse import quote, urlsplit

import typer
from sqlalchemy.orm import Session

from modelhub.cli.database import migrate
from modelhub.cli.environment import load_settings
from modelhub.cli.options import JsonOption
from modelhub.cli.output import emit, fail
from modelhub.cli.partners import detail_lines
from modelhub.db import transaction
from modelhub.errors import HubError
from modelhub.partner_sync.inline import run_here
from modelhub.partner_sync.service import request_sync
from modelhub.partners import registry, service, views
from modelhub.partners.models import Partner
from modelhub.partners.schemas import ApplicationCreate
from modelhub.private import private_dir
from modelhub.wiring import build_hub, sync_settings

DOCUMENTS = ("collection.json", "index.json", "collection.yaml")


def mirror(
    source: Annotated[
        str, typer.Argument(help="URL of a collection.json / index.json, or a folder")
    ],
    partner_id: Annotated[
        str | None, typer.Option("--id", help="The mirror's partner id (default: from SOURCE)")
    ] = None,
    name: Annotated[str | None, typer.Option("--name", help="Display name")] = None,
    as_json: JsonOption = False,
) -> None:
    """Mirror a collection as a read-only partner (again: sync it), keeping its ids."""
    settings = load_settings()
    private_dir(settings.data_dir)
    migrate(settings)
    local = (
        None
        if source.startswith(("http://", "https://"))
        else _document(Path(source), as_json=as_json)
    )
    with _served(local) as served:
        if served is not None:
            host = urlsplit(served).netloc
            settings.fetch_allow_hosts = ",".join(filter(None, [settings.fetch_allow_hosts, host]))
        hub = build_hub(settings)
        try:
            wanted = partner_id or _slug(local.parent.name if local else urlsplit(source).hostname)
            with transaction(hub.sessions) as db:
                partner = _mirror_partner(db, wanted, source, local, name)
                job_id = request_sync(db, partner=partner, url=served).id
            run_here(hub, job_id=job_id, settings=sync_settings(settings))
            with transaction(hub.sessions) as db:
                detail = views.partner_detail(db, registry.get_partner(db, partner_id=wanted))
        except HubError as exc:
            fail(exc.message, as_json=as_json, code=exc.code)
        finally:
            hub.engine.dispose()
    emit(detail.model_dump(mode="json"), as_json=as_json, lines=detail_lines(detail))
    if detail.sync.last_error:
        raise typer.Exit(1)


def _mirror_partner(
    db: Session, wanted: str, source: str, local: Path | None, name: str | None
) -> Partner:
    """The mirror's read-only partner (registered the first time)."""
    found = db.get(Partner, wanted)
    if found is not None:
        if not found.read_only:
            raise HubError(
                message=f"'{wanted}' is a partner of this hub, not a mirror: choose another --id.",
                status_code=409,
                code="not_a_mirror",
            )
        return found
    url = "http://mirror.invalid/" if local else source  # a folder's URL is set below
    application = service.apply(
        db,
        applicant=None,
        data=ApplicationCreate(
            name=name or f"Mirror of {source}"[:200],
            description=f"A read-only copy of {source}.",
            resources="The mirrored collection's resources, under their own ids.",
            collection_url=url,
            maintenance_plan="Synced by the hub's admins with 'modelhub mirror'.",
            proposed_id=wanted,
        ),
    )
    service.approve(db, application_id=application.id, actor=None, partner_id=wanted)
    partner = registry.get_partner(db, partner_id=wanted)
    partner.read_only = True
    if local is not None:
        partner.collection_url = local.resolve().as_uri()
    return partner


def _document(path: Path, *, as_json: bool) -> Path:
    if path.is_dir():
        for candidate in DOCUMENTS:
            if (path / candidate).is_file():
                return path / candidate
        fail(f"{path} holds none of {', '.join(DOCUMENTS)}.", code="no_collection", as_json=as_json)
    if not path.is_file():
        fail(
            f"{path} is neither a URL nor a file or folder here.",
            code="no_collection",
            as_json=as_json,
        )
    return path


@contextmanager
def _served(document: Path | None) -> Iterator[str | None]:
    """The document's URL on a loopback port serving its folder, while the block runs."""
    if document is None:
        yield None
        return
    handler = partial(_Quiet, directory=str(document.parent))
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=httpd.serve_forever, args=(0.1,), daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{httpd.server_address[1]}/{quote(document.name)}"
    finally:
        httpd.shutdown()
        httpd.server_close()
        thread.join(timeout=10)


class _Quiet(SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: object) -> None:
        pass


def _slug(text: str | None) -> str:
    slug = re.sub(r"[^a-z0-9]+", "-", (text or "mirror").lower()).strip("-")[:32].strip("-")
    return slug if len(slug) >= 2 else "mirror"
