"""Helpers for the backup tests: a hub with real content, the commands run as a person runs
them (settings from the environment), and what two hubs hold, side by side."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Any

import pytest
import typer
from sqlalchemy import Engine, create_engine, func, make_url, select, text

from modelhub.accounts import service as accounts
from modelhub.accounts.models import Role
from modelhub.backups import rows
from modelhub.catalog.models import ResourceVersion, VersionFile, VersionStatus
from modelhub.config import Settings
from modelhub.db import make_session_factory, transaction
from modelhub.hub import Hub
from modelhub.storage.base import Storage
from tests.functional.maintenance.common import package_zip, publish, upload


def fill(hub: Hub, tmp: Path) -> None:
    """Two published resources, a draft, an admin with an API token."""
    with transaction(hub.sessions) as db:
        ada = accounts.create_user(db, username="ada", role=Role.admin)
        db.flush()
        accounts.create_token(db, user=ada)
        ada_id = ada.id
    first = upload(hub, user_id=ada_id, archive=package_zip(tmp, 1))
    publish(hub, user_id=ada_id, resource_id=first)
    second = upload(hub, user_id=ada_id, archive=package_zip(tmp, 2))
    publish(hub, user_id=ada_id, resource_id=second)
    upload(hub, user_id=ada_id, archive=package_zip(tmp, 3))  # stays a draft


def env(monkeypatch: pytest.MonkeyPatch, settings: Settings) -> None:
    """The environment of a command run on the hub ``settings`` describe."""
    for name in ("DATA_DIR", "DATABASE_URL", "STORAGE_URL", "S3_ENDPOINT_URL"):
        monkeypatch.delenv(f"MODELHUB_{name}", raising=False)
    monkeypatch.setenv("MODELHUB_DATA_DIR", str(settings.data_dir))
    monkeypatch.setenv("MODELHUB_DATABASE_URL", settings.resolved_database_url)
    if settings.storage_url:
        monkeypatch.setenv("MODELHUB_STORAGE_URL", settings.storage_url)
    if settings.s3_endpoint_url:
        monkeypatch.setenv("MODELHUB_S3_ENDPOINT_URL", settings.s3_endpoint_url)


def run(
    command: Any, capsys: pytest.CaptureFixture[str], *args: Any, **kwargs: Any
) -> tuple[int, Any]:
    """A command function run with ``--json``: its exit code and what it printed."""
    capsys.readouterr()
    try:
        command(*args, as_json=True, **kwargs)
        code = 0
    except typer.Exit as stopped:
        code = stopped.exit_code
    return code, json.loads(capsys.readouterr().out)


def second_database(template: str, tmp: Path) -> str:
    """An empty, unmigrated database for a restore: on the test PostgreSQL server when the
    suite runs there (a database of its own), else an SQLite file."""
    if not template.startswith("postgresql"):
        return f"sqlite:///{tmp / 'restored.sqlite3'}"
    url = make_url(template)
    name = f"{url.database}_restore"
    admin = create_engine(url.set(database="postgres"), isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    admin.dispose()
    return url.set(database=name).render_as_string(hide_password=False)


def counts(engine: Engine) -> dict[str, int]:
    with engine.connect() as conn:
        return {
            t.name: conn.scalar(select(func.count()).select_from(t)) or 0 for t in rows.tables()
        }


def add_user(url: str, name: str) -> None:
    """A new account and token (on PostgreSQL: the restored keys' sequences went on)."""
    engine = create_engine(url)
    try:
        with transaction(make_session_factory(engine)) as db:
            user = accounts.create_user(db, username=name, role=Role.member)
            db.flush()
            accounts.create_token(db, user=user)
    finally:
        engine.dispose()


def counts_at(url: str) -> dict[str, int]:
    engine = create_engine(url)
    try:
        return counts(engine)
    finally:
        engine.dispose()


def fulltext(engine: Engine) -> dict[int, set[str]]:
    with engine.connect() as conn:
        return {i["entry"]: set(i["tokens"].split()) for i in rows.read_fulltext(conn)}


def published_files(engine: Engine, storage: Storage) -> dict[tuple[str, int | None, str], str]:
    """(resource, version, path) -> sha256 of the bytes ``storage`` gives for each file of a
    published version, checked against the sha256 its row records."""
    found = {}
    query = (
        select(ResourceVersion.resource_id, ResourceVersion.number, VersionFile.path,
               VersionFile.blob_sha256)
        .join(VersionFile, VersionFile.version_id == ResourceVersion.id)
        .where(ResourceVersion.status == VersionStatus.published)
    )  # fmt: skip
    with engine.connect() as conn:
        for rid, number, path, sha in conn.execute(query):
            digest = hashlib.sha256()
            for chunk in storage.iter_bytes(sha):
                digest.update(chunk)
            assert digest.hexdigest() == sha, (rid, number, path)
            found[(rid, number, path)] = digest.hexdigest()
    return found
