"""The checks of ``modelhub doctor`` that reach something: the data directory, the database
(reachable, migrated to the newest revision), the blob storage (a tiny probe blob written,
read back and deleted), the Dask cluster (with TLS when configured; its workers' sandbox) and
the SMTP server. Each returns its line; none changes anything the hub keeps."""

from __future__ import annotations

import smtplib
import ssl
import uuid
from importlib.metadata import version
from typing import Any

from modelhub.config import Settings
from modelhub.db import MIGRATIONS_DIR
from modelhub.maintenance.doctor import (
    DoctorLine,
    ok,
    problem,
    sandbox_line,
    sandbox_verdict,
    skipped,
)
from modelhub.private import sqlite_path
from modelhub.storage.factory import describe_storage, storage_from

_MIGRATE = "run 'modelhub serve' once (it applies the migrations at start), then rerun."


def data_dir_line(settings: Settings) -> DoctorLine:
    """The data directory exists (or can be made) and this user can write in it."""
    path = settings.data_dir.resolve()
    fix = f"create {path} writable by the user running the hub, or set MODELHUB_DATA_DIR."
    try:
        path.mkdir(parents=True, exist_ok=True)
        probe = path / f".doctor-{uuid.uuid4().hex}"
        probe.write_bytes(b"probe")
        probe.unlink()
    except OSError as exc:
        return problem("data_dir", f"{path} is not writable ({exc.strerror or exc})", fix)
    return ok("data_dir", f"{path} is writable")


def database_line(settings: Settings, *, timeout_s: float) -> DoctorLine:
    """The database answers and carries the newest migration."""
    from alembic.runtime.migration import MigrationContext
    from alembic.script import ScriptDirectory
    from sqlalchemy import create_engine
    from sqlalchemy.engine import make_url

    url = settings.resolved_database_url
    try:
        shown = make_url(url).render_as_string(hide_password=True)
    except Exception:
        return problem(
            "database", f"{url!r} is no database URL", "set MODELHUB_DATABASE_URL correctly."
        )
    fix = "check MODELHUB_DATABASE_URL, and that the server runs and lets this host in."
    path = sqlite_path(url) if url.startswith("sqlite") else None
    if path is not None and not path.is_file():  # connecting would create an empty file
        return problem("database", f"there is no database file at {path}", _MIGRATE)
    args: dict[str, Any] = {} if url.startswith("sqlite") else {"connect_timeout": timeout_s}
    engine = create_engine(url, connect_args=args)
    try:
        with engine.connect() as conn:
            current = set(MigrationContext.configure(conn).get_current_heads())
    except Exception as exc:
        reason = str(getattr(exc, "orig", None) or exc).strip().splitlines()[0]
        return problem("database", f"cannot connect to {shown}: {reason}", fix)
    finally:
        engine.dispose()
    heads = set(ScriptDirectory(str(MIGRATIONS_DIR)).get_heads())
    if current != heads:
        have = ", ".join(sorted(current)) or "none"
        return problem(
            "database", f"{shown} is at migration {have}, not {', '.join(heads)}", _MIGRATE
        )
    return ok("database", f"{shown} reachable, migrated to {', '.join(heads)}")


def storage_line(settings: Settings) -> DoctorLine:
    """A probe blob written, read back and deleted in the blob storage."""
    description = describe_storage(settings)
    where = (
        f"s3://{settings.s3_location[0]}/{settings.s3_location[1]}"
        if settings.s3_location
        else str(settings.resolved_storage_dir)
    )
    fix = (
        "check the bucket, MODELHUB_S3_ENDPOINT_URL and the AWS_* credentials of this user."
        if settings.s3_location
        else f"make {where} a directory the hub's user can write, or set MODELHUB_STORAGE_DIR."
    )
    data = f"modelhub doctor probe {uuid.uuid4().hex}".encode()
    try:
        storage = storage_from(description)
        blob = storage.put_stream(iter([data]))
        try:
            with storage.open(blob.sha256) as stream:
                back = stream.read()
        finally:
            storage.delete(blob.sha256)
    except Exception as exc:
        return problem("storage", f"{where}: cannot write and read ({_reason(exc)})", fix)
    if back != data:
        return problem("storage", f"{where}: read back other bytes than written", fix)
    return ok("storage", f"{where}: a probe blob was written, read back and deleted")


def _reason(exc: BaseException) -> str:
    text = str(exc).strip() or type(exc).__name__
    return text.splitlines()[0]


def dask_lines(settings: Settings, *, timeout_s: float) -> list[DoctorLine]:
    """The embedded cluster's size and this machine's sandbox; or the external scheduler
    reached (over TLS when configured), its workers counted and their sandbox asked."""
    from modelhub.jobs.runtime import cluster_size

    if settings.dask_scheduler is None:
        size = cluster_size(settings)
        return [ok("dask", f"embedded cluster: {size.describe()}"), sandbox_line(settings)]
    from distributed import Client

    from modelhub.checks.sandbox import sandbox_status
    from modelhub.jobs.security import DaskTlsProblem, dask_security

    address = settings.dask_scheduler
    try:
        security = dask_security(settings)
    except DaskTlsProblem as exc:
        return [problem("dask", str(exc), "point the MODELHUB_DASK_TLS_* settings at PEM files.")]
    try:
        client = Client(address, security=security, timeout=timeout_s, set_as_default=False)
    except Exception as exc:
        return [
            problem(
                "dask",
                f"cannot connect to the scheduler at {address} ({_reason(exc)})",
                "start 'dask scheduler' there (with the same CA when tls://), or fix"
                " MODELHUB_DASK_SCHEDULER.",
            )
        ]
    try:
        threads = client.nthreads()
        if not threads:
            return [
                problem(
                    "dask",
                    f"the scheduler at {address} has no workers: jobs would wait forever",
                    "start 'dask worker' on the worker machines (docs/operations.md).",
                )
            ]
        try:
            versions: dict[str, str] = client.run(version, "modelhub")
            answers: dict[str, tuple[bool, str]] = client.run(sandbox_status)
        except Exception as exc:
            return [
                problem(
                    "dask",
                    f"the workers of {address} cannot run modelhub's code ({_reason(exc)})",
                    "install the hub's modelhub version on every worker machine.",
                )
            ]
    finally:
        client.close()
    tls = " over TLS" if security is not None else ""
    ours = version("modelhub")
    others = sorted({v for v in versions.values() if v != ours})
    if others:
        return [
            problem(
                "dask",
                f"workers of {address} run modelhub {', '.join(others)}, the hub {ours}",
                "install the same modelhub version on the hub and every worker machine.",
            )
        ]
    lines = [ok("dask", f"scheduler {address} reached{tls}: {len(threads)} worker(s)")]
    bad = {w: a for w, a in answers.items() if not a[0]}
    if bad:
        worker, (usable, reason) = sorted(bad.items())[0]
        lines.append(
            sandbox_verdict(settings, usable, reason, where=f"{len(bad)} worker(s), e.g. {worker}")
        )
    else:
        lines.append(
            ok("sandbox", f"all {len(answers)} worker(s): {next(iter(answers.values()))[1]}")
        )
    return lines


def smtp_line(settings: Settings, *, timeout_s: float) -> DoctorLine:
    """The SMTP server answers (and takes the STARTTLS and login configured)."""
    if settings.smtp_host is None:
        return skipped("smtp", "MODELHUB_SMTP_HOST is not set: no e-mail is sent")
    where = f"{settings.smtp_host}:{settings.smtp_port}"
    try:
        with smtplib.SMTP(settings.smtp_host, settings.smtp_port, timeout=timeout_s) as smtp:
            smtp.ehlo()
            if settings.smtp_starttls:
                smtp.starttls(context=ssl.create_default_context())
                smtp.ehlo()
            if settings.smtp_username:
                smtp.login(settings.smtp_username, settings.smtp_password or "")
    except (OSError, smtplib.SMTPException) as exc:
        return problem(
            "smtp",
            f"{where}: {_reason(exc)}",
            "check MODELHUB_SMTP_HOST, _PORT, _STARTTLS and the login, and that this host may"
            " connect.",
        )
    extras = [
        n
        for n, on in (("STARTTLS", settings.smtp_starttls), ("login", bool(settings.smtp_username)))
        if on
    ]
    return ok("smtp", f"{where} answers" + (f" ({', '.join(extras)} accepted)" if extras else ""))
