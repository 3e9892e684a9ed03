"""The hub's job kinds, bound to its settings (registered by ``build_hub``)."""

from __future__ import annotations

from modelhub.checks.cleanup import sweep_checks
from modelhub.checks.limits import SandboxLimits
from modelhub.checks.tasks import (
    CheckSettings,
    default_scratch_root,
    prewarm,
    register_check_kind,
    task_template,
)
from modelhub.hub import Hub
from modelhub.notifications.email import SmtpSettings, register_email_kind
from modelhub.storage.factory import describe_storage
from modelhub.webhooks.tasks import WebhookSettings, register_webhook_kind


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
    """Register ``check``, ``email`` and ``webhook`` with this hub's storage, limits, SMTP
    server and webhook rules."""
    s = hub.settings
    register_check_kind(check_settings(hub))
    register_email_kind(
        SmtpSettings(
            host=s.smtp_host or "127.0.0.1",
            port=s.smtp_port,
            sender=s.smtp_sender,
            username=s.smtp_username,
            password=s.smtp_password,
            starttls=s.smtp_starttls,
            base_url=s.public_base,
        ),
        enabled=s.smtp_host is not None,
    )
    register_webhook_kind(
        WebhookSettings(
            allow_private=s.webhook_allow_private,
            retry_delays=s.webhook_retry_schedule,
            max_attempts=s.webhook_max_attempts,
        )
    )


def warm_workers(hub: Hub) -> None:
    """Ask every worker to start its first sandbox now (in the background), so that checks do
    not pay the libraries' import time."""
    if hub.jobs is not None and hub.jobs.running:
        hub.jobs.client.run(prewarm, task_template(check_settings(hub)))


def sweep_check_leftovers(hub: Hub) -> list[str]:
    """Remove scratch folders and cgroups of checks whose worker is gone (at start: a crash
    before; at stop, after the cluster closed: workers killed with their warm sandboxes)."""
    return sweep_checks(check_settings(hub).scratch_root)
