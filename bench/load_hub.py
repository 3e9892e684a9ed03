"""The hub of the load test: a PostgreSQL database of its own, replicas of ``modelhub serve`` on
one data folder, and nginx in front with the documented site (``docs/deploy/nginx.conf``).
Every process is a child of this one, on loopback, and ended by its pid."""

from __future__ import annotations

import getpass
import os
import shutil
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from pathlib import Path

import httpx
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

ROOT = Path(__file__).resolve().parents[1]
SITE = ROOT / "docs" / "deploy" / "nginx.conf"
DOCUMENTED_REPLICAS = ("127.0.0.1:8001", "127.0.0.1:8002")
MODELHUB = Path(sys.executable).parent / "modelhub"

NGINX_MAIN = """daemon off;
user {user};
worker_processes 1;
pid {root}/nginx.pid;
error_log {root}/error.log warn;
events {{ worker_connections 1024; }}
http {{
    access_log off;
    client_body_temp_path {root}/client_body;
    proxy_temp_path {root}/proxy;
    fastcgi_temp_path {root}/fastcgi;
    uwsgi_temp_path {root}/uwsgi;
    scgi_temp_path {root}/scgi;
    include {root}/site.conf;
}}
"""


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def recreate_database(url: str) -> None:
    """Drop and create the database named in ``url`` (connecting to ``postgres`` to do so)."""
    parsed = make_url(url)
    name = parsed.database
    if not name or not name.replace("_", "").isalnum():
        raise SystemExit(f"refusing an unusual database name: {name!r}")
    admin = create_engine(parsed.set(database="postgres"), isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    admin.dispose()


def hub_env(*, database_url: str, data_dir: Path, base_url: str) -> dict[str, str]:
    """The one environment every replica (and the CLI) runs with."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("MODELHUB_")}
    return env | {
        "MODELHUB_DATABASE_URL": database_url,
        "MODELHUB_DATA_DIR": str(data_dir),
        "MODELHUB_BASE_URL": base_url,
        # the seeding admin publishes its own uploads (a one-person hub)
        "MODELHUB_ALLOW_SELF_APPROVAL": "1",
    }


def create_user(env: dict[str, str], name: str, role: str) -> str:
    """``modelhub users create``; returns the API token it prints last."""
    done = subprocess.run(
        [str(MODELHUB), "users", "create", name, "--role", role],
        env=env,
        capture_output=True,
        text=True,
        check=True,
    )
    return done.stdout.strip().splitlines()[-1]


@contextmanager
def _process(
    command: list[str], *, env: dict[str, str] | None, log: Path
) -> Iterator[subprocess.Popen[bytes]]:
    with log.open("ab") as sink:
        proc = subprocess.Popen(command, env=env, stdout=sink, stderr=sink)
    try:
        yield proc
    finally:
        if proc.poll() is None:
            proc.terminate()
        try:
            proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(timeout=10)


@contextmanager
def replicas(
    ports: list[int], *, env: dict[str, str], logs: Path, demo: bool = False
) -> Iterator[list[int]]:
    """``modelhub serve --no-jobs`` on each port (the first with ``--demo`` when asked); yields
    their pids once every one answers."""
    with ExitStack() as stack:
        procs = []
        for index, port in enumerate(ports):
            command = [str(MODELHUB), "serve", "--no-jobs", "--port", str(port)]
            if demo and index == 0:
                command.append("--demo")
            log = logs / f"serve-{port}.log"
            procs.append(stack.enter_context(_process(command, env=env, log=log)))
        for port in ports:
            url = f"http://127.0.0.1:{port}/id_map.json"
            deadline = time.monotonic() + 300
            while time.monotonic() < deadline:
                try:
                    if httpx.get(url, timeout=2).status_code == 200:
                        break
                except httpx.TransportError:
                    pass
                if any(proc.poll() is not None for proc in procs):
                    raise RuntimeError(f"a replica ended at start; see {logs}")
                time.sleep(0.2)
            else:
                raise RuntimeError(f"replica {port} did not answer; see {logs}")
        yield [proc.pid for proc in procs]


def nginx_binary() -> str:
    found = shutil.which("nginx") or (
        "/usr/sbin/nginx" if Path("/usr/sbin/nginx").exists() else None
    )
    if found is None:
        raise SystemExit("nginx is not installed (make system installs it)")
    return found


@contextmanager
def nginx_in_front(root: Path, *, port: int, upstream: list[int]) -> Iterator[int]:
    """nginx on ``127.0.0.1:port`` with the documented site passing on to the replicas on
    ``upstream`` (one replica: named twice, so that both phases share the site); yields its pid."""
    site = SITE.read_text()
    targets = [f"127.0.0.1:{p}" for p in (upstream * 2)[:2]]
    for documented, actual in zip(DOCUMENTED_REPLICAS, targets, strict=True):
        site = site.replace(documented, actual)
    site = site.replace("listen 80;", f"listen 127.0.0.1:{port};")
    root.mkdir(parents=True)
    (root / "site.conf").write_text(site)
    (root / "nginx.conf").write_text(NGINX_MAIN.format(root=root, user=getpass.getuser()))
    command = [nginx_binary(), "-p", str(root), "-e", str(root / "error.log")]
    command += ["-c", str(root / "nginx.conf")]
    subprocess.run([*command, "-t"], capture_output=True, check=True)
    with _process(command, env=None, log=root / "nginx.out") as proc:
        deadline = time.monotonic() + 10
        while True:
            try:
                httpx.get(f"http://127.0.0.1:{port}/nothing-here", timeout=2)
                break
            except httpx.TransportError:
                if time.monotonic() > deadline or proc.poll() is not None:
                    raise RuntimeError(f"nginx did not start; see {root}") from None
                time.sleep(0.1)
        yield proc.pid
