"""``modelhub partners …``: community partners, managed directly on the hub's database (run on
the hub host, as an admin would act in the hub)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated, Any

import typer
from pydantic import ValidationError

from modelhub.cli.database import migrate
from modelhub.cli.environment import load_settings
from modelhub.cli.options import JsonOption
from modelhub.cli.output import emit, fail
from modelhub.cli.users import local_sessions
from modelhub.db import transaction
from modelhub.errors import HubError
from modelhub.partners import registry, service, views
from modelhub.partners.schemas import ApplicationCreate, PartnerDetail
from modelhub.private import private_dir

if TYPE_CHECKING:
    from modelhub.hub import Hub

# `sync` alone needs the job wiring and the sync worker (bioimageio.spec, seconds to import):
# they are imported when it runs, so that `list`, `show` and `add` start quickly

app = typer.Typer(help="Community partners of this machine's hub.", no_args_is_help=True)
PartnerArg = Annotated[str, typer.Argument(help="The partner id, e.g. ilastik")]


def _when(value: object) -> str:
    return str(value) if value is not None else "never"


def detail_lines(p: PartnerDetail) -> list[str]:
    lines = [
        f"{p.id}: {p.name}",
        f"collection: {p.collection_url}",
        f"test summaries: {p.test_summary_url or '-'}",
        f"maintainers: {', '.join(p.maintainers) or '-'}",
        f"last attempt: {_when(p.sync.last_attempt_at)}",
        f"last success: {_when(p.sync.last_success_at)}",
    ]
    if p.sync.last_error:
        lines.append(f"last error: {p.sync.last_error}")
    if p.sync.report:
        lines.append("last sync: " + ", ".join(f"{k} {v}" for k, v in p.sync.report.items()))
    if not p.entries:
        lines.append("entries: none (the collection has not been synced yet)")
    for entry in p.entries:
        problem = f" - {entry.error_code}: {entry.error}" if entry.error else ""
        lines.append(f"entry {entry.key} [{entry.status}]: {entry.resource_id or '-'}{problem}")
    lines.append(f"resources: {', '.join(r.id for r in p.resources) or 'none'}")
    return lines


@app.command("add")
def add(
    partner_id: PartnerArg,
    collection: Annotated[str, typer.Option("--collection", help="The collection's URL")],
    maintainer: Annotated[
        list[str] | None,
        typer.Option("--maintainer", help="An account (username or e-mail); repeat for more"),
    ] = None,
    name: Annotated[str | None, typer.Option("--name", help="Display name (default: the id)")] = (
        None
    ),
    test_summaries: Annotated[
        str | None, typer.Option("--test-summaries", help="Where its CI publishes test summaries")
    ] = None,
    as_json: JsonOption = False,
) -> None:
    """Register a partner: apply and approve in one step (an admin's action)."""
    sessions = local_sessions()
    try:
        with transaction(sessions) as db:
            people = [registry.find_account(db, name=n) for n in maintainer or []]
            label = (name or partner_id).strip() or partner_id
            application = service.apply(
                db,
                applicant=None,  # an admin's registration: nobody to tell
                data=ApplicationCreate(
                    name=label,
                    description=f"{label}, registered by an admin on the hub's host.",
                    resources="(registered by an admin)",
                    collection_url=collection,
                    test_summary_url=test_summaries,
                    maintenance_plan="(registered by an admin)",
                    proposed_id=partner_id,
                ),
            )
            service.approve(db, application_id=application.id, actor=None, partner_id=partner_id)
            for person in people:
                registry.add_maintainer(db, partner_id=partner_id, actor=None, name=person.username)
            detail = views.partner_detail(db, registry.get_partner(db, partner_id=partner_id))
    except HubError as exc:
        fail(exc.message, as_json=as_json, code=exc.code)
    except ValidationError as exc:
        problems = "; ".join(f"{'.'.join(map(str, e['loc']))}: {e['msg']}" for e in exc.errors())
        fail(problems, as_json=as_json, code="invalid_request")
    emit(
        detail.model_dump(mode="json"),
        as_json=as_json,
        lines=[f"added partner {partner_id} ({detail.name}), collection {detail.collection_url}"],
    )


@app.command("show")
def show(partner_id: PartnerArg, as_json: JsonOption = False) -> None:
    """A partner: details, maintainers, sync status, entries and resources."""
    with transaction(local_sessions()) as db:
        try:
            detail = views.partner_detail(db, registry.get_partner(db, partner_id=partner_id))
        except HubError as exc:
            fail(exc.message, as_json=as_json, code=exc.code)
    emit(detail.model_dump(mode="json"), as_json=as_json, lines=detail_lines(detail))


@app.command("list")
def list_partners(as_json: JsonOption = False) -> None:
    """The approved partners."""
    with transaction(local_sessions()) as db:
        rows = views.partners_read(db)
    data: list[dict[str, Any]] = [r.model_dump(mode="json") for r in rows]
    lines = [
        f"{r.id}\t{r.name}\t{r.collection_url}\tlast success: {_when(r.sync.last_success_at)}"
        for r in rows
    ] or ["no partners"]
    emit(data, as_json=as_json, lines=lines)


@app.command("sync")
def sync(
    partner_id: PartnerArg,
    wait: Annotated[
        bool, typer.Option("--wait", help="Sync in this process now (or wait for the hub's sync)")
    ] = False,
    full: Annotated[
        bool, typer.Option("--full", help="Fetch every entry again, even unchanged ones")
    ] = False,
    as_json: JsonOption = False,
) -> None:
    """Sync a partner's collection: queue it for the hub's workers, or with --wait run it here
    and show the result (exit 1 when the collection could not be read or an entry failed)."""
    from modelhub.wiring import build_hub

    settings = load_settings()
    private_dir(settings.data_dir)
    migrate(settings)
    hub = build_hub(settings)
    try:
        detail = sync_partner(hub, partner_id=partner_id, wait=wait, full=full, as_json=as_json)
    finally:
        hub.engine.dispose()
    if detail is None:
        return
    failed = [e for e in detail.entries if e.status == "failed"]
    emit(detail.model_dump(mode="json"), as_json=as_json, lines=detail_lines(detail))
    if detail.sync.last_error or failed:
        raise typer.Exit(1)


def sync_partner(
    hub: Hub, *, partner_id: str, wait: bool, full: bool, as_json: bool
) -> PartnerDetail | None:
    """Queue (and with ``wait``, run here) a sync; the partner afterwards (None: queued)."""
    from modelhub.partner_sync.inline import run_here
    from modelhub.partner_sync.service import request_sync
    from modelhub.wiring import sync_settings

    with transaction(hub.sessions) as db:
        try:
            partner = registry.get_partner(db, partner_id=partner_id)
        except HubError as exc:
            fail(exc.message, as_json=as_json, code=exc.code)
        job_id = request_sync(db, partner=partner, full=full).id
    if not wait:
        emit(
            {"partner_id": partner_id, "job_id": job_id, "status": "queued"},
            as_json=as_json,
            lines=[f"sync of {partner_id} queued (job {job_id}): a running hub does it"],
        )
        return None
    run_here(hub, job_id=job_id, settings=sync_settings(hub.settings))
    with transaction(hub.sessions) as db:
        return views.partner_detail(db, registry.get_partner(db, partner_id=partner_id))
