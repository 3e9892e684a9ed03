"""``create_app``: the one composition root (settings → engine, storage, templates, routers)."""

from __future__ import annotations

import asyncio
import shutil
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, Response
from fastapi.staticfiles import StaticFiles
from fastapi.templating import Jinja2Templates
from starlette.exceptions import HTTPException as StarletteHTTPException

from modelhub import __version__
from modelhub.accounts import api as accounts_api
from modelhub.accounts import pages as accounts_pages
from modelhub.catalog import api as catalog_api
from modelhub.catalog import pages as catalog_pages
from modelhub.checks import api as checks_api
from modelhub.config import Settings
from modelhub.db import make_engine, make_session_factory
from modelhub.downloads import api as downloads_api
from modelhub.errors import HubError
from modelhub.hub import Hub
from modelhub.interop import api as interop_api
from modelhub.interop import hypha as interop_hypha
from modelhub.jobs import api as jobs_api
from modelhub.jobs.kinds import register_job_kinds, sweep_check_leftovers, warm_workers
from modelhub.notifications import api as notifications_api
from modelhub.review import api as review_api
from modelhub.review import pages as review_pages
from modelhub.search import pages as search_pages
from modelhub.storage.local import LocalStorage
from modelhub.uploads import api as uploads_api
from modelhub.uploads import pages as uploads_pages
from modelhub.web import render
from modelhub.web.headers import SecurityHeaders
from modelhub.webhooks import api as webhooks_api

WEB = Path(__file__).parent / "web"


def build_hub(settings: Settings) -> Hub:
    """The hub's shared parts; also used by the CLI's local commands."""
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    engine = make_engine(settings.resolved_database_url)
    templates = Jinja2Templates(directory=WEB / "templates")
    render.configure(templates)
    hub = Hub(
        settings=settings,
        engine=engine,
        sessions=make_session_factory(engine),
        storage=LocalStorage(settings.resolved_storage_dir),
        templates=templates,
    )
    register_job_kinds(hub)  # uploads enqueue checks: the kinds must be known in this process
    return hub


def sweep_staging(staging: Path, older_than_s: float = 6 * 3600) -> None:
    """Remove what uploads interrupted by a crash left in the staging area."""
    if not staging.is_dir():
        return
    cutoff = time.time() - older_than_s
    for leftover in staging.iterdir():
        if leftover.stat().st_mtime < cutoff:
            shutil.rmtree(leftover, ignore_errors=True)


def create_app(settings: Settings | None = None, *, hub: Hub | None = None) -> FastAPI:
    """The web application: pages, ``/api/v1`` and the bioimage.io-compatible URLs."""
    hub = hub or build_hub(settings or Settings())

    @asynccontextmanager
    async def lifespan(_app: FastAPI) -> AsyncIterator[None]:
        sweep_staging(hub.settings.staging_dir)
        await asyncio.to_thread(sweep_check_leftovers, hub)
        if isinstance(hub.storage, LocalStorage):
            hub.storage.sweep_temporary()
        jobs = hub.jobs
        if jobs is not None:
            # starting a cluster and stopping it block for a moment: not on the event loop
            await asyncio.to_thread(jobs.start)
            await asyncio.to_thread(warm_workers, hub)
        try:
            yield
        finally:
            if jobs is not None:
                await asyncio.to_thread(jobs.stop)
            # the workers are gone: so must be their warm sandboxes' folders and cgroups
            await asyncio.to_thread(sweep_check_leftovers, hub)
            hub.engine.dispose()

    app = FastAPI(
        title="modelhub",
        version=__version__,
        description="A community repository of pretrained AI models for (bio)image analysis.",
        lifespan=lifespan,
        # the interactive API pages load their scripts from a CDN: pages use nothing from outside
        docs_url=None,
        redoc_url=None,
    )
    app.state.hub = hub
    for router in (
        uploads_api.router,
        catalog_api.router,
        accounts_api.router,
        downloads_api.router,
        interop_api.router,
        interop_hypha.router,
        jobs_api.router,
        checks_api.router,
        notifications_api.router,
        webhooks_api.router,
        review_api.router,
        search_pages.router,
        catalog_pages.router,
        uploads_pages.router,
        review_pages.router,
        accounts_pages.router,
    ):
        app.include_router(router)
    app.mount("/static", StaticFiles(directory=WEB / "static"), name="static")
    app.add_middleware(SecurityHeaders)
    _install_error_handlers(app)
    return app


def _install_error_handlers(app: FastAPI) -> None:
    @app.exception_handler(HubError)
    async def hub_error(request: Request, exc: HubError) -> Response:
        return render.error_response(request, exc)

    @app.exception_handler(RequestValidationError)
    async def invalid_request(request: Request, exc: RequestValidationError) -> Response:
        details = [
            {
                "loc": [p for p in e.get("loc", ()) if p not in ("body", "query", "path")],
                "msg": e.get("msg", "invalid"),
            }
            for e in exc.errors()
        ]
        return JSONResponse(
            status_code=422,
            content={
                "error": {
                    "code": "invalid_request",
                    "message": "Some values in the request are not valid.",
                    "details": details,
                }
            },
        )

    @app.exception_handler(StarletteHTTPException)
    async def http_error(request: Request, exc: StarletteHTTPException) -> Response:
        code = {404: "not_found", 405: "method_not_allowed"}.get(exc.status_code, "http_error")
        message = "This page does not exist." if exc.status_code == 404 else str(exc.detail)
        return render.error_response(
            request, HubError(message=message, status_code=exc.status_code, code=code)
        )
