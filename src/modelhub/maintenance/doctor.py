"""``modelhub doctor``: a deployment's configuration and the services it reaches, checked one
by one, each answered in one line: ``ok``, ``skipped`` (not configured), or a ``problem`` with
what to do about it in plain words.

The checks that reach something (database, storage, Dask, SMTP) live in ``doctor_probes``;
the ones here read only the settings and this machine."""

from __future__ import annotations

import ipaddress
from collections.abc import Callable
from dataclasses import asdict, dataclass
from typing import Any, Literal
from urllib.parse import urlsplit

from modelhub.config import Settings

Status = Literal["ok", "skipped", "problem"]


@dataclass(frozen=True)
class DoctorLine:
    """The outcome of one check: ``detail`` says what was found, ``fix`` what to do."""

    check: str
    status: Status
    detail: str
    fix: str = ""

    def text(self) -> str:
        fix = f" — fix: {self.fix}" if self.fix else ""
        return f"{self.status:<8} {self.check:<9} {self.detail}{fix}"

    def as_json(self) -> dict[str, Any]:
        return asdict(self)


def ok(check: str, detail: str) -> DoctorLine:
    return DoctorLine(check, "ok", detail)


def problem(check: str, detail: str, fix: str) -> DoctorLine:
    return DoctorLine(check, "problem", detail, fix)


def skipped(check: str, detail: str) -> DoctorLine:
    return DoctorLine(check, "skipped", detail)


def base_url_line(settings: Settings) -> DoctorLine:
    """The public base URL: an http(s) origin a browser elsewhere can reach."""
    url = settings.base_url
    parts = urlsplit(url)
    fix = "set MODELHUB_BASE_URL to the address people use, e.g. https://models.example.org."
    if parts.scheme not in ("http", "https") or not parts.hostname:
        return problem("base_url", f"{url!r} is not an http(s) address", fix)
    if parts.query or parts.fragment:
        return problem("base_url", f"{url!r} has a query or fragment", fix)
    host = parts.hostname
    if host in ("0.0.0.0", "::"):  # noqa: S104 (a bind-all address, named to refuse it)
        return problem("base_url", f"{url!r} is a listening address, not one to visit", fix)
    if settings.secure_cookies and parts.scheme != "https":
        return problem(
            "base_url",
            f"{url!r} is plain http but MODELHUB_SECURE_COOKIES is on: no login would stick",
            "serve the hub over https, or set MODELHUB_SECURE_COOKIES=false.",
        )
    if host == "localhost" or _is_loopback(host):
        return ok("base_url", f"{url} (loopback: links work on this machine only)")
    return ok("base_url", url)


def _is_loopback(host: str) -> bool:
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def sandbox_line(settings: Settings) -> DoctorLine:
    """Whether this machine can run package code in the bubblewrap sandbox (the embedded
    cluster's workers run here; an external cluster's workers are asked in ``dask_lines``)."""
    from modelhub.checks.sandbox import sandbox_status

    usable, reason = sandbox_status()
    return sandbox_verdict(settings, usable, reason, where="this machine")


def sandbox_verdict(settings: Settings, usable: bool, reason: str, *, where: str) -> DoctorLine:
    if usable:
        return ok("sandbox", f"{where}: {reason}")
    if settings.allow_unsandboxed_checks:
        return ok(
            "sandbox",
            f"{where}: no sandbox, package code runs UNSANDBOXED"
            f" (MODELHUB_ALLOW_UNSANDBOXED_CHECKS): {reason}",
        )
    return problem(
        "sandbox", f"{where}: {reason}", "install bubblewrap ≥ 0.8 and util-linux setpriv there."
    )


def run_doctor(settings: Settings, *, timeout_s: float = 5.0) -> list[DoctorLine]:
    """Every check of ``settings``' deployment, in order; each bounded by ``timeout_s`` where
    it waits on the network. Never raises for what it finds: an unexpected error of a check
    becomes that check's problem line."""
    from modelhub.maintenance import doctor_probes as probes

    steps: list[tuple[str, Callable[[], list[DoctorLine]]]] = [
        ("base_url", lambda: [base_url_line(settings)]),
        ("data_dir", lambda: [probes.data_dir_line(settings)]),
        ("database", lambda: [probes.database_line(settings, timeout_s=timeout_s)]),
        ("storage", lambda: [probes.storage_line(settings)]),
        ("dask", lambda: probes.dask_lines(settings, timeout_s=timeout_s)),
        ("smtp", lambda: [probes.smtp_line(settings, timeout_s=timeout_s)]),
    ]
    lines: list[DoctorLine] = []
    for name, step in steps:
        try:
            lines += step()
        except Exception as exc:  # a doctor reports what it finds rather than stopping
            lines.append(
                problem(
                    name,
                    f"{type(exc).__name__}: {exc}",
                    "the check itself failed: fix what it names.",
                )
            )
    return lines
