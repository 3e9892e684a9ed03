"""``modelhub serve``: migrate the database, optionally add demo content, run the web server."""

from __future__ import annotations

import copy
import os
from typing import TYPE_CHECKING, Annotated, Any

import typer

from modelhub.cli.environment import load_settings
from modelhub.cli.options import JsonOption
from modelhub.cli.output import emit, fail
from modelhub.config import Settings

if TYPE_CHECKING:
    from fastapi import FastAPI

    from modelhub.hub import Hub


def serve(
    host: Annotated[str, typer.Option(help="Address to listen on")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="Port to listen on")] = 8000,
    demo: Annotated[
        bool, typer.Option("--demo", help="Add a few small example resources (labelled as such)")
    ] = False,
    jobs: Annotated[
        bool,
        typer.Option("--jobs/--no-jobs", help="Run checks and other jobs here (default: yes)"),
    ] = True,
    as_json: JsonOption = False,
) -> None:
    """Start the hub (data directory from $MODELHUB_DATA_DIR, default ./modelhub-data)."""
    # imported here so that the other commands start without loading the web stack
    from modelhub.app import create_app
    from modelhub.cli.database import migrate
    from modelhub.demo.seed import seed_demo
    from modelhub.exports.service import rebuild_if_needed
    from modelhub.exports.urls import export_urls
    from modelhub.wiring import build_hub, dispatcher_for

    settings = load_settings()
    if settings.run_jobs and jobs:
        _refuse_unusable_tls(settings, as_json=as_json)  # before anything is started
    if "MODELHUB_BASE_URL" not in os.environ:
        settings.base_url = f"http://{host}:{port}"
    hub = build_hub(settings)
    migrate(settings)
    # an upgrade from a hub without exports, or other addresses: once, before serving
    rebuilt = rebuild_if_needed(hub.sessions, urls=export_urls(settings))
    if rebuilt is not None:
        typer.echo(f"exports rebuilt: {rebuilt} published resource(s)", err=True)
    where_jobs_run = None
    if settings.run_jobs and jobs:
        from modelhub.jobs.runtime import cluster_size, jobs_line

        size = cluster_size(settings) if settings.dask_scheduler is None else None
        hub.jobs = dispatcher_for(hub, size)  # the app's lifespan starts and stops it
        where_jobs_run = jobs_line(settings, size)
    if demo:
        added = seed_demo(hub)
        typer.echo(f"demo content: {added} example resource(s) added", err=True)
    serving = f"modelhub serving {settings.public_base} (data in {settings.data_dir})"
    emit(
        {
            "url": settings.public_base,
            "data_dir": str(settings.data_dir),
            "demo": demo,
            "jobs": where_jobs_run,
        },
        as_json=as_json,
        lines=[where_jobs_run, serving] if where_jobs_run else [serving],  # scripts read the last
    )
    import uvicorn

    # uvicorn's own access log would show query strings unredacted: modelhub.access replaces it
    log_config = copy.deepcopy(uvicorn.config.LOGGING_CONFIG)
    log_config["loggers"]["modelhub"] = {
        "handlers": ["default"],
        "level": "INFO",
        "propagate": False,
    }
    if settings.web_workers == 1:
        uvicorn.run(
            create_app(hub=hub),
            host=host,
            port=port,
            log_level="info",
            access_log=False,
            log_config=log_config,
            timeout_keep_alive=settings.keep_alive_s,
        )
        return
    _serve_workers(hub, host=host, port=port, log_config=log_config)


def _serve_workers(hub: Hub, *, host: str, port: int, log_config: dict[str, Any]) -> None:
    """Several web processes on one socket. Each builds its own hub from the same settings
    (the environment) and never runs jobs: the dispatcher and its cluster run here, in the
    supervising process, exactly once. Web processes find new jobs at the dispatcher's next
    poll (within a second) rather than at once."""
    import uvicorn

    from modelhub.wiring import warm_workers

    os.environ["MODELHUB_BASE_URL"] = hub.settings.base_url  # what this process worked out
    if hub.jobs is not None:
        hub.jobs.start()
        warm_workers(hub)
    try:
        uvicorn.run(
            f"{__name__}:worker_app",
            factory=True,
            workers=hub.settings.web_workers,
            # a web process importing its libraries on a busy machine (checks running beside
            # it) may not answer the supervisor's ping for seconds: not a hung process
            timeout_worker_healthcheck=WORKER_HEALTHCHECK_S,
            host=host,
            port=port,
            log_level="info",
            access_log=False,
            log_config=log_config,
            timeout_keep_alive=hub.settings.keep_alive_s,
        )
    finally:
        if hub.jobs is not None:
            hub.jobs.stop()
        hub.engine.dispose()


WORKER_HEALTHCHECK_S = 60


def worker_app() -> FastAPI:
    """The app of one web process when ``web_workers`` > 1: the hub without a dispatcher."""
    from modelhub.app import create_app
    from modelhub.wiring import build_hub

    return create_app(hub=build_hub(Settings()))


def _refuse_unusable_tls(settings: Settings, *, as_json: bool) -> None:
    """Exit with the reason when the Dask TLS files cannot be used."""
    from modelhub.jobs.security import DaskTlsProblem, dask_security

    try:
        dask_security(settings)
    except DaskTlsProblem as exc:
        fail(f"Cannot connect to the Dask cluster: {exc}.", as_json=as_json, code="dask_tls")
