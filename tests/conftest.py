"""Shared fixtures: a real database (SQLite, or PostgreSQL when MODELHUB_TEST_DATABASE_URL is
set), a real hub on a loopback port, real storage in a temporary directory, real accounts.

Migrations run once per test session into a template; each test then starts from an empty
database (SQLite: a copy of the migrated file; PostgreSQL: every table emptied), so that tests
can also drive a server in another thread or process."""

from __future__ import annotations

import io
import os
import shutil
import socket
import threading
import zipfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest
import uvicorn
from fastapi import FastAPI
from sqlalchemy import create_engine, make_url, select, text

from modelhub.accounts import service as accounts
from modelhub.accounts.models import Role, User
from modelhub.all_models import Base
from modelhub.app import build_hub, create_app
from modelhub.catalog.models import Resource, ResourceMaintainer, ResourceType
from modelhub.config import Settings
from modelhub.db import transaction, upgrade_database
from modelhub.hub import Hub
from tests.s3server import S3Server, serving_s3
from tests.waiting import eventually

# a real bioimage.io package with real weights, kept here (credits in tests/data/README.md)
SHARED_MODEL = Path(__file__).resolve().parent / "data" / "unet2d_nuclei_broad"
# test folders that never touch a database: the PostgreSQL run skips them (`-m "not dbless"`)
# publishing needs a passed check or a reason; tests that do not run checks give this reason
OVERRIDE = {"override_reason": "the automated check is not part of this test"}
DBLESS = (
    "unit/checks",
    "unit/demo",
    "unit/uploads",
    "unit/storage",
    "unit/catalog",
    "unit/search",
    "unit/maintenance",
    "unit/web",
    "unit/predictions",
)


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    here = Path(__file__).parent
    for item in items:
        relative = item.path.relative_to(here).as_posix()
        if relative.startswith(DBLESS):
            item.add_marker(pytest.mark.dbless)


@pytest.fixture(scope="session")
def shared_model_dir() -> Path:
    env = os.environ.get("MODELHUB_TEST_SHARED_MODEL")
    path = Path(env) if env else SHARED_MODEL
    if not path.is_dir():
        pytest.fail(f"the shared model package is missing at {path}")
    return path


@pytest.fixture(scope="session")
def s3() -> Iterator[S3Server]:
    """moto's S3 server on loopback, with a bucket (started once per test process)."""
    yield from serving_s3()


@pytest.fixture(scope="session")
def migrated_template(tmp_path_factory: pytest.TempPathFactory) -> str:
    """A migrated database: the SQLite template file path, or the PostgreSQL URL."""
    pg_url = os.environ.get("MODELHUB_TEST_DATABASE_URL")
    if pg_url:
        pg_url = worker_database(pg_url)
        engine = create_engine(pg_url)
        with engine.begin() as conn:
            conn.execute(text("DROP SCHEMA public CASCADE"))
            conn.execute(text("CREATE SCHEMA public"))
        engine.dispose()
        upgrade_database(pg_url)
        return pg_url
    template = tmp_path_factory.mktemp("db") / "template.sqlite3"
    upgrade_database(f"sqlite:///{template}")
    return str(template)


def worker_database(url: str) -> str:
    """Under pytest-xdist every worker gets its own PostgreSQL database (``<name>_gw0``, …),
    created when missing, because each test empties the tables of the database it uses."""
    worker = os.environ.get("PYTEST_XDIST_WORKER")
    if not worker:
        return url
    parsed = make_url(url)
    name = f"{parsed.database}_{worker}"
    admin = create_engine(parsed.set(database="postgres"), isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        known = conn.scalar(text("SELECT 1 FROM pg_database WHERE datname = :n"), {"n": name})
        if not known:
            conn.execute(text(f'CREATE DATABASE "{name}"'))
    admin.dispose()
    return parsed.set(database=name).render_as_string(hide_password=False)


# Empties every table (children first) and restarts every sequence, in one round trip. DELETE,
# not TRUNCATE: on tables of a few rows it is several times faster (TRUNCATE gives each table new
# files), and it waits for no lock that a connection left by the previous test may still hold.
EMPTY_ALL = ";\n".join(
    [f'DELETE FROM "{t.name}"' for t in reversed(Base.metadata.sorted_tables)]  # noqa: S608 (our tables)
    + [
        "SELECT setval(s.oid, 1, false) FROM pg_class s "
        "WHERE s.relkind = 'S' AND s.relnamespace = 'public'::regnamespace"
    ]
)


def fresh_database_url(template: str, tmp_path: Path) -> str:
    if template.startswith("postgresql"):
        engine = create_engine(template)
        with engine.begin() as conn:
            conn.exec_driver_sql(EMPTY_ALL)
        engine.dispose()
        return template
    target = tmp_path / "hub.sqlite3"
    shutil.copyfile(template, target)
    return f"sqlite:///{target}"


def hub_settings(template: str, root: Path) -> Settings:
    """Settings of a hub keeping everything under ``root``, on an empty migrated database."""
    data = root / "data"
    data.mkdir()
    return Settings(
        data_dir=data,
        database_url=fresh_database_url(template, root),
        base_url="http://127.0.0.1:1",  # replaced by the server fixture with its real port
        # most tests publish what their admin uploaded, as on a one-person hub; the default
        # (off: nobody approves their own upload) is tested in functional/review/test_duties.py
        allow_self_approval=True,
    )


@pytest.fixture
def settings(migrated_template: str, tmp_path: Path) -> Settings:
    return hub_settings(migrated_template, tmp_path)


@pytest.fixture
def hub(settings: Settings) -> Iterator[Hub]:
    built = build_hub(settings)
    yield built
    built.engine.dispose()


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


@dataclass
class LiveServer:
    url: str
    hub: Hub


@pytest.fixture
def server(hub: Hub) -> Iterator[LiveServer]:
    with serving_in_thread(hub) as live:
        yield live


@contextmanager
def serving_in_thread(
    hub: Hub, extend: Callable[[FastAPI], None] | None = None
) -> Iterator[LiveServer]:
    """The hub served by uvicorn on a free loopback port, in a background thread; ``extend``
    adds test-only routes to its app first."""
    port = free_port()
    hub.settings.base_url = f"http://127.0.0.1:{port}"
    app = create_app(hub=hub)
    if extend is not None:
        extend(app)
    config = uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning", lifespan="on")
    srv = uvicorn.Server(config)
    thread = threading.Thread(target=srv.run, daemon=True)
    thread.start()
    try:
        eventually(
            lambda: srv.started or not thread.is_alive(),
            # a hub with jobs starts its Dask workers first: slow on a busy machine
            timeout=90,
            interval=0.01,
            what="the test server started",
        )
        if not srv.started:
            pytest.fail("the test server stopped while starting")
        yield LiveServer(url=hub.settings.base_url, hub=hub)
    finally:
        srv.should_exit = True
        thread.join(timeout=10)


def make_user(hub: Hub, name: str, role: Role = Role.member, password: str | None = None) -> str:
    """Create a user; returns an API token for it."""
    with transaction(hub.sessions) as db:
        user = accounts.create_user(db, username=name, role=role, password=password)
        _, secret = accounts.create_token(db, user=user)
    return secret


@pytest.fixture
def admin_token(hub: Hub) -> str:
    return make_user(hub, "ada", Role.admin, password="correct horse battery")


@pytest.fixture
def member_token(hub: Hub) -> str:
    return make_user(hub, "mo", Role.member)


@pytest.fixture
def http(server: LiveServer) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=server.url, timeout=60) as client:
        yield client


def auth(token: str) -> dict[str, str]:
    return {"authorization": f"Bearer {token}"}


def files_under(root: Path) -> set[str]:
    """Every file below ``root`` (to prove that a refused upload kept nothing)."""
    return {p.relative_to(root).as_posix() for p in root.rglob("*") if p.is_file()}


def changed_description(rdf: str, mark: str) -> str:
    """The description text ``rdf`` with ``mark`` (plain words) put at the start of its
    ``description:`` field, the rest of its layout byte for byte the same: a changed package
    (the hub refuses one identical to what it holds)."""
    lines = rdf.splitlines(keepends=True)
    at = next(i for i, line in enumerate(lines) if line.startswith("description: "))
    head, rest = "description: ", lines[at][len("description: ") :]
    if rest[:1] in ("'", '"'):
        head, rest = head + rest[0], rest[1:]
    lines[at] = f"{head}{mark} {rest}"
    return "".join(lines)


def changed_copy(src: Path, dst: Path, mark: str) -> Path:
    """A copy of the package folder ``src`` at ``dst`` with a ``changed_description``."""
    shutil.copytree(src, dst)
    rdf = next(p for p in (dst / "bioimageio.yaml", dst / "rdf.yaml") if p.exists())
    rdf.write_text(changed_description(rdf.read_text(), mark))
    return dst


def changed_zip(data: bytes, mark: str) -> bytes:
    """The package zip ``data`` with a ``changed_description``, its other files the same."""
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as src, zipfile.ZipFile(out, "w") as dst:
        for info in src.infolist():
            content = src.read(info)
            if info.filename in ("rdf.yaml", "bioimageio.yaml"):
                content = changed_description(content.decode("utf-8"), mark).encode("utf-8")
            dst.writestr(info, content)
    return out.getvalue()


def namespaced_resource(
    hub: Hub, resource_id: str, *, maintainer: str, type: str = "model"
) -> None:
    """An empty resource under a partner's namespaced id (``ilastik/pixel-classifier``), kept by
    ``maintainer``, as a community partner's collection brings one in; its versions then come
    through the real upload path (``POST /api/v1/uploads?resource_id=…``)."""
    with transaction(hub.sessions) as db:
        user = db.scalar(select(User).where(User.username == maintainer))
        assert user is not None, maintainer
        db.add(
            Resource(
                id=resource_id,
                emoji="\N{MICROSCOPE}",
                type=ResourceType(type),
                name=resource_id,
                description="",
                created_by_id=user.id,
            )
        )
        db.flush()
        db.add(ResourceMaintainer(resource_id=resource_id, user_id=user.id))
