"""``create_app``: the web application of a hub built by ``modelhub.wiring`` (the composition
root): routers, middleware, error handlers and the lifespan that starts and stops its parts."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, Response
from fastapi.staticfiles import StaticFiles
from sqlalchemy.exc import DataError
from sqlalchemy.exc import TimeoutError as PoolTimeout
from starlette.exceptions import HTTPException as StarletteHTTPException

from modelhub import __version__
from modelhub.accounts import api as accounts_api
from modelhub.accounts import oidc_pages, profile_pages, signup_api, signup_pages
from modelhub.accounts import pages as accounts_pages
from modelhub.analytics import api as usage_api
from modelhub.analytics import tracking as usage_tracking
from modelhub.analytics.tracking import ReportsAtRoot
from modelhub.catalog import api as catalog_api
from modelhub.checks import api as checks_api
from modelhub.config import Settings
from modelhub.downloads import api as downloads_api
from modelhub.downloads import apps as app_files
from modelhub.downloads import origin as files_origin
from modelhub.errors import HubError, Overloaded
from modelhub.exports import api as exports_api
from modelhub.help import pages as help_pages
from modelhub.hub import Hub
from modelhub.interop import api as interop_api
from modelhub.interop import hypha as interop_hypha
from modelhub.jobs import api as jobs_api
from modelhub.maintenance.periodic import PeriodicGc
from modelhub.maintenance.usage import PeriodicFold
from modelhub.notifications import api as notifications_api
from modelhub.notifications import pages as notification_pages
from modelhub.pages import open_app as open_app_page
from modelhub.pages import people as people_page
from modelhub.pages import resource as resource_page
from modelhub.pages import samples as samples_page
from modelhub.pages import stats as stats_page
from modelhub.partner_sync import api as sync_api
from modelhub.partner_sync import pages as sync_pages
from modelhub.partners import admin_pages as partner_admin_pages
from modelhub.partners import api as partners_api
from modelhub.partners import landing as partner_landing
from modelhub.partners import manage_pages as partner_manage_pages
from modelhub.partners import pages as partner_pages
from modelhub.predictions import api as predictions_api
from modelhub.predictions import files as prediction_files
from modelhub.predictions import pages as prediction_pages
from modelhub.review import api as review_api
from modelhub.review import pages as review_pages
from modelhub.search import api as search_api
from modelhub.search import pages as search_pages
from modelhub.summaries import api as summaries_api
from modelhub.summaries import pages as summaries_pages
from modelhub.uploads import api as uploads_api
from modelhub.uploads import pages as uploads_pages
from modelhub.web import render, unavailable
from modelhub.web.access_log import AccessLog
from modelhub.web.admission import AdmissionLimit, overload_headers, size_thread_pool
from modelhub.web.csrf_api import CookieApiGuard
from modelhub.web.headers import SecurityHeaders
from modelhub.web.limits import BodyLimit
from modelhub.web.nul import RefuseNulInUrl, database_refused
from modelhub.webhooks import api as webhooks_api
from modelhub.wiring import WEB, build_hub, sweep_check_leftovers, warm_workers

__all__ = ["build_hub", "create_app"]


def create_app(settings: Settings | None = None, *, hub: Hub | None = None) -> FastAPI:
    """The web application: pages, ``/api/v1`` and the bioimage.io-compatible URLs."""
    hub = hub or build_hub(settings or Settings())

    @asynccontextmanager
    async def lifespan(_app: FastAPI) -> AsyncIterator[None]:
        size_thread_pool(hub.settings.web_threads)
        # leftovers of checks whose worker is gone, before new workers start
        await asyncio.to_thread(sweep_check_leftovers, hub)
        # events committed but not delivered (a crash, a failed subscriber): before serving
        await asyncio.to_thread(hub.events.redeliver_pending, older_than_s=0)
        # orphan blobs, staging and scratch of dead processes, late events: at start, then
        # periodically
        maintenance = PeriodicGc(hub)
        maintenance.start()
        usage = PeriodicFold(hub)  # download statistics current within a minute
        usage.start()
        jobs = hub.jobs
        if jobs is not None:
            # starting a cluster and stopping it block for a moment: not on the event loop
            await asyncio.to_thread(jobs.start)
            await asyncio.to_thread(warm_workers, hub)
        try:
            yield
        finally:
            await asyncio.to_thread(maintenance.stop)
            await asyncio.to_thread(usage.stop)
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
        summaries_api.router,
        search_api.router,
        catalog_api.router,
        accounts_api.router,
        signup_api.router,
        downloads_api.router,
        app_files.router,
        interop_api.router,
        exports_api.router,
        interop_hypha.router,
        jobs_api.router,
        checks_api.router,
        notifications_api.router,
        webhooks_api.router,
        review_api.router,
        predictions_api.router,
        prediction_files.router,
        usage_api.router,
        usage_tracking.router,
        sync_api.router,
        partners_api.router,
        search_pages.router,
        resource_page.router,
        samples_page.router,
        stats_page.router,
        people_page.router,
        open_app_page.router,
        uploads_pages.router,
        review_pages.router,
        accounts_pages.router,
        signup_pages.router,
        profile_pages.router,
        oidc_pages.router,
        notification_pages.router,
        partner_pages.router,
        partner_landing.router,
        partner_manage_pages.router,
        partner_admin_pages.router,
        sync_pages.router,
        summaries_pages.router,
        prediction_pages.router,
        help_pages.router,
    ):
        app.include_router(router)
    app.mount("/static", StaticFiles(directory=WEB / "static"), name="static")
    app.add_middleware(CookieApiGuard, settings=hub.settings)
    app.add_middleware(BodyLimit, settings=hub.settings)
    limit, retry = hub.settings.max_requests_in_flight, hub.settings.retry_after_s
    app.add_middleware(AdmissionLimit, limit=limit, retry_after_s=retry)
    app.add_middleware(ReportsAtRoot)  # `/?module=API&…`: matomo's reporting URL
    app.add_middleware(RefuseNulInUrl)  # inside SecurityHeaders: its answers get the headers too
    app.add_middleware(SecurityHeaders, settings=hub.settings)
    files_origin.install(
        app, hub.settings, downloads_api.router.routes, framed=app_files.router.routes
    )
    if hub.settings.access_log:
        app.add_middleware(AccessLog)  # outermost: it sees every answer, refusals included
    app.add_exception_handler(DataError, database_refused)
    unavailable.install(app)
    _install_error_handlers(app)
    return app


def _install_error_handlers(app: FastAPI) -> None:
    @app.exception_handler(HubError)
    async def hub_error(request: Request, exc: HubError) -> Response:
        response = render.error_response(request, exc)
        retry_after = getattr(exc, "retry_after", None)  # rate limits say when to come back
        if retry_after:
            response.headers["retry-after"] = str(int(retry_after))
        return response

    @app.exception_handler(PoolTimeout)
    async def pool_exhausted(request: Request, exc: PoolTimeout) -> Response:
        # every pooled connection stayed busy for db_pool_timeout_s: say so now, not a 500
        response = render.error_response(request, Overloaded())
        response.headers.update(overload_headers(request.app.state.hub.settings.retry_after_s))
        return response

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
