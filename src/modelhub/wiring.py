"""The composition root: everything one hub is made of, built and connected here and nowhere
else — settings → engine, sessions, storage, templates, job kinds, event subscribers,
dispatcher, search memory. Nothing is kept per process: tests build several hubs side by side.

Lower layers never import the features that react to them: services record domain events
(``modelhub.events``) and this module subscribes the reactions (search index, notifications,
webhooks) on the hub's ``EventBus``.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, TypeVar

from fastapi.templating import Jinja2Templates
from sqlalchemy.orm import Session

from modelhub.accounts import oidc_link
from modelhub.accounts.mail import SmtpSettings
from modelhub.accounts.models import User
from modelhub.analytics import reactions as usage_reactions
from modelhub.catalog.access import DRAFT_READERS_INFO
from modelhub.checks import announce as check_news
from modelhub.checks.cleanup import sweep_checks
from modelhub.checks.limits import SandboxLimits
from modelhub.checks.tasks import CheckSettings, default_scratch_root, prewarm, task_template
from modelhub.checks.tasks import make_kind as check_kind
from modelhub.compat import reactions as compat_reactions
from modelhub.compat.notify import make_kind as partner_ci_kind
from modelhub.config import Settings
from modelhub.db import make_engine, make_session_factory
from modelhub.events import (
    Announcement,
    CheckFinished,
    CommentAdded,
    Downloaded,
    Event,
    EventBus,
    ListingChanged,
    PartnerApplied,
    PartnerChanged,
    PartnerDecided,
    ReviewMoved,
    SummariesReceived,
    VersionPublished,
    VersionUnyanked,
    VersionYanked,
)
from modelhub.exports import reactions as export_reactions
from modelhub.fetch.policy import FetchPolicy
from modelhub.hub import Hub
from modelhub.jobs.registry import KINDS_INFO, JobKinds, kinds_of
from modelhub.jobs.runtime import cluster_size, jobs_line
from modelhub.jobs.sizing import ClusterSize
from modelhub.links import Links
from modelhub.notifications import fanout
from modelhub.notifications import service as notification_service
from modelhub.notifications.email import make_kind as email_kind
from modelhub.partner_sync import reactions as sync_reactions
from modelhub.partner_sync.tasks import SyncSettings
from modelhub.partner_sync.tasks import make_kind as sync_kind
from modelhub.partners import announce as partner_news
from modelhub.predictions.pools import prewarm_hosts
from modelhub.predictions.retention import results_description
from modelhub.predictions.tasks import PredictSettings
from modelhub.predictions.tasks import make_kind as predict_kind
from modelhub.predictions.tasks import task_template as predict_template
from modelhub.private import private_dir
from modelhub.review import announce as review_news
from modelhub.review import duty
from modelhub.search import reactions as search_reactions
from modelhub.storage.factory import describe_storage, storage_from
from modelhub.summaries.pulls import make_kind as summary_pull_kind
from modelhub.uploads.archive import UnpackLimits
from modelhub.web import charts
from modelhub.webhooks.service import queue_deliveries
from modelhub.webhooks.tasks import WebhookSettings
from modelhub.webhooks.tasks import make_kind as webhook_kind

if TYPE_CHECKING:  # Dask: loaded by the processes that run jobs only
    from modelhub.jobs.dispatcher import Dispatcher

WEB = Path(__file__).parent / "web"
log = logging.getLogger(__name__)
E = TypeVar("E", bound=Event)


def build_hub(settings: Settings) -> Hub:
    """One hub from ``settings``: used by the web app, ``modelhub serve``'s supervisor, the
    CLI's local commands, tests and benches. Its dispatcher is made by ``dispatcher_for``."""
    private_dir(settings.data_dir)
    private_dir(settings.staging_dir)
    engine = make_engine(
        settings.resolved_database_url,
        pool_size=settings.resolved_db_pool_size,
        pool_timeout=settings.db_pool_timeout_s,
    )
    # partner maintainers read the drafts they review: a rule of review, asked by the catalog
    info = {KINDS_INFO: JobKinds(), DRAFT_READERS_INFO: duty.reads_draft}
    sessions = make_session_factory(engine, info=info)
    hub = Hub(
        settings=settings,
        engine=engine,
        sessions=sessions,
        storage=storage_from(describe_storage(settings)),
        templates=Jinja2Templates(directory=WEB / "templates"),
        events=EventBus(sessions),
    )
    # templates link with the hub's ``Links`` (as ``urls``); they never build a path
    hub.templates.context_processors.append(lambda _: {"urls": hub.links})
    charts.install(hub.templates.env)  # server-drawn SVG charts and figure formats
    install_header_globals(hub)
    register_job_kinds(hub)  # uploads enqueue checks: the kinds must be known in this process
    subscribe_reactions(hub)
    if settings.search_memory:
        from modelhub.search.memory import attach  # numpy: loaded by processes that search

        attach(engine)
    return hub


# -- what every page's header and the account page ask of the database ----------------------


def install_header_globals(hub: Hub) -> None:
    """Template functions called only for a logged-in visitor (so never a query for anyone
    else): the unread count of the header's "Notifications" badge (one count per page render)
    and the account page's OpenID Connect providers."""

    def unread_notifications(user: User | None) -> int:
        if user is None:
            return 0
        with hub.sessions() as db:
            return notification_service.unread_count(db, user_id=user.id)

    def oidc_providers(user: User | None) -> list[dict[str, object]]:
        providers = hub.settings.oidc_providers
        if user is None or not providers:
            return []
        with hub.sessions() as db:
            linked = set(oidc_link.connected(db, user=user))
        return [
            {"name": name, "title": p.title, "connected": name in linked}
            for name, p in providers.items()
        ]

    hub.templates.env.globals["unread_notifications"] = unread_notifications
    hub.templates.env.globals["oidc_providers"] = oidc_providers


# -- jobs -------------------------------------------------------------------------------------


def job_kinds(hub: Hub) -> JobKinds:
    """The kinds of jobs ``hub`` runs (carried by its session factory)."""
    kinds = kinds_of(hub.sessions.kw.get("info") or {})
    if kinds is None:
        raise RuntimeError("this hub's sessions were not made by build_hub: they know no job kinds")
    return kinds


def check_settings(hub: Hub) -> CheckSettings:
    s = hub.settings
    return CheckSettings(
        storage=describe_storage(s),
        limits=SandboxLimits(
            timeout_s=s.check_timeout_s,
            memory_bytes=s.check_memory_bytes,
            cpu_seconds=s.check_cpu_seconds,
            max_processes=s.check_max_processes,
        ),
        scratch_root=(s.check_scratch_dir or default_scratch_root()).resolve(),
        # the sandbox must never read the hub's own state
        hidden_paths=(s.data_dir.resolve(), s.resolved_storage_dir.resolve()),
        allow_unsandboxed=s.allow_unsandboxed_checks,
        warm_sandboxes=s.check_warm_sandboxes,
    )


def register_job_kinds(hub: Hub) -> None:
    """Bind ``check``, ``email``, ``webhook``, ``partner_ci``, ``summary_pull`` and
    ``partner_sync`` to this hub's storage, limits, SMTP server, webhook and fetch rules (again
    after a change to its settings)."""
    s = hub.settings
    kinds = job_kinds(hub)
    kinds.add(check_kind(check_settings(hub)))
    smtp = SmtpSettings(
        host=s.smtp_host or "127.0.0.1",
        port=s.smtp_port,
        sender=s.smtp_sender,
        username=s.smtp_username,
        password=s.smtp_password,
        starttls=s.smtp_starttls,
    )
    kinds.add(email_kind(smtp, links=hub.links))
    rules = WebhookSettings(
        allow_private=s.webhook_allow_private,
        retry_delays=s.webhook_retry_schedule,
        max_attempts=s.webhook_max_attempts,
    )
    kinds.add(webhook_kind(rules))
    kinds.add(partner_ci_kind(rules))  # partners' CI hooks follow the webhooks' rules
    kinds.add(summary_pull_kind(s))
    kinds.add(sync_kind(sync_settings(s), hub.storage))
    kinds.add(predict_kind(predict_settings(hub)))


def predict_settings(hub: Hub) -> PredictSettings:
    """Predictions run in the checks' sandbox, with limits of their own."""
    s = hub.settings
    checks = check_settings(hub)
    return PredictSettings(
        package_storage=checks.storage,
        results_storage=results_description(s),
        limits=SandboxLimits(
            timeout_s=s.predict_timeout_s,
            memory_bytes=s.predict_memory_bytes,
            cpu_seconds=max(s.check_cpu_seconds, int(s.predict_timeout_s) * 4),
            max_processes=s.check_max_processes,
        ),
        scratch_root=checks.scratch_root,
        hidden_paths=checks.hidden_paths,
        allow_unsandboxed=s.allow_unsandboxed_checks,
        slots=s.predict_slots,
        hosts_memory_bytes=s.predict_hosts_memory_bytes,
        host_idle_s=s.predict_host_idle_s,
        block_pixels=s.predict_block_pixels,
        use_gpu=s.predict_use_gpu,
        retention_hours=s.predict_retention_hours,
        spare_host=s.predict_spare_host,
    )


def sync_settings(s: Settings) -> SyncSettings:
    return SyncSettings(
        storage=describe_storage(s),
        rules=FetchPolicy.of(s, max_bytes=0),  # each fetch sets its own limit
        limits=UnpackLimits(
            max_upload_bytes=s.max_upload_bytes,
            max_unpacked_bytes=s.max_unpacked_bytes,
            max_files=s.max_files,
        ),
        collection_max_bytes=s.partner_collection_max_bytes,
        max_entries=s.partner_max_entries,
    )


def dispatcher_for(hub: Hub, size: ClusterSize | None = None) -> Dispatcher:
    """A dispatcher for ``hub`` as its settings describe it, not started yet; its embedded
    cluster (when no scheduler is set) has ``size``, by default sized from this machine."""
    from modelhub.jobs.dispatcher import Dispatcher
    from modelhub.jobs.security import dask_security

    settings = hub.settings
    if settings.dask_scheduler is None and size is None:
        size = cluster_size(settings)
    security = dask_security(settings)  # refuses unusable TLS files before connecting
    log.info("%s", jobs_line(settings, size))
    return Dispatcher(
        hub.sessions,
        kinds=job_kinds(hub),
        scheduler_address=settings.dask_scheduler,
        security=security,
        n_workers=size.workers if size else 1,
        worker_memory_bytes=size.worker_memory_bytes if size else None,
        max_attempts=settings.job_max_attempts,
    )


def start_dispatcher(hub: Hub) -> Dispatcher:
    """Start the dispatcher of ``hub`` (built from its settings when it has none) and keep it in
    ``hub.jobs``, where the app's lifespan will stop it; stop it yourself otherwise."""
    from modelhub.jobs.dispatcher import Dispatcher

    dispatcher = hub.jobs if isinstance(hub.jobs, Dispatcher) else dispatcher_for(hub)
    dispatcher.start()
    hub.jobs = dispatcher
    return dispatcher


def warm_workers(hub: Hub) -> None:
    """Ask every worker to start its first sandboxes now (in the background), so that checks
    and a model's first prediction do not pay the libraries' import time."""
    from modelhub.jobs.dispatcher import Dispatcher

    if isinstance(hub.jobs, Dispatcher) and hub.jobs.running:
        hub.jobs.client.run(prewarm, task_template(check_settings(hub)))
        if hub.settings.predict_spare_host:
            hub.jobs.client.run(prewarm_hosts, predict_template(predict_settings(hub)))


def sweep_check_leftovers(hub: Hub) -> list[str]:
    """Remove scratch folders and cgroups of checks whose worker is gone (at start: a crash
    before; at stop, after the cluster closed: workers killed with their warm sandboxes)."""
    return sweep_checks(check_settings(hub).scratch_root)


# -- who reacts to what -------------------------------------------------------------------------


def subscribe_reactions(hub: Hub) -> None:
    """The subscribers of the hub's events. Names are stored with each delivery: keep them."""
    bus = hub.events
    storage = hub.storage
    bus.subscribe(
        ListingChanged, "search", lambda db, e: search_reactions.listing_changed(db, storage, e)
    )
    bus.subscribe(CheckFinished, "search", search_reactions.check_finished)
    bus.subscribe(SummariesReceived, "search", search_reactions.summaries_received)

    def follow(db: Session, event: export_reactions.Changed) -> None:
        # the settings are read at delivery: the base URL may be set after the hub was built
        export_reactions.resource_changed(db, hub.settings, event)

    bus.subscribe(VersionPublished, "exports", follow)
    bus.subscribe(VersionYanked, "exports", follow)
    bus.subscribe(VersionUnyanked, "exports", follow)
    bus.subscribe(ListingChanged, "exports", follow)

    def tell_partners(db: Session, event: VersionPublished | VersionYanked) -> None:
        compat_reactions.version_changed(db, Links.of(hub.settings), event)

    bus.subscribe(VersionPublished, "partner_ci", tell_partners)
    bus.subscribe(VersionYanked, "partner_ci", tell_partners)
    bus.subscribe(PartnerChanged, "exports", export_reactions.partner_changed)
    _announce(hub, ReviewMoved, review_news.transition)
    _announce(hub, CommentAdded, review_news.comment)
    _announce(hub, CheckFinished, check_news.finished)
    _announce(hub, PartnerApplied, partner_news.applied)
    _announce(hub, PartnerDecided, partner_news.decided)
    bus.subscribe(PartnerDecided, "partner_sync", sync_reactions.approved)
    bus.subscribe(Downloaded, "analytics", usage_reactions.downloaded)
    bus.batch(Downloaded)  # off the download's request: the usage fold delivers them first
    bus.subscribe(VersionPublished, "analytics", usage_reactions.version_published)


def _announce(
    hub: Hub, event_type: type[E], words: Callable[[Session, E], Announcement | None]
) -> None:
    """People hear of ``event_type`` (``words`` says who and what) in the hub, by e-mail when
    the hub has SMTP, and through their webhooks."""

    def notify(db: Session, event: E) -> None:
        told = words(db, event)
        if told is not None:
            fanout.announce(db, told, email=hub.settings.smtp_host is not None)

    def deliver(db: Session, event: E) -> None:
        told = words(db, event)
        if told is not None:
            queue_deliveries(
                db,
                event=told.event,
                payload=told.payload,
                user_ids=told.user_ids,
                about=told.about,
            )

    hub.events.subscribe(event_type, "notifications", notify)
    hub.events.subscribe(event_type, "webhooks", deliver)
