"""nginx in front of hub replicas, for the tests: the documented site (``docs/deploy/nginx.conf``)
with the test's ports, inside a main configuration of its own (``daemon off``, every path under
the test's folder), run as a child process and stopped by its pid."""

from __future__ import annotations

import getpass
import shutil
import subprocess
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx
import pytest

from tests.waiting import eventually

SITE = Path(__file__).resolve().parents[3] / "docs" / "deploy" / "nginx.conf"
DOCUMENTED_REPLICAS = ("127.0.0.1:8001", "127.0.0.1:8002")

MAIN = """daemon off;
user {user};
worker_processes 1;
pid {root}/nginx.pid;
error_log {root}/error.log warn;
events {{ worker_connections 256; }}
http {{
    access_log {root}/access.log;
    client_body_temp_path {root}/client_body;
    proxy_temp_path {root}/proxy;
    fastcgi_temp_path {root}/fastcgi;
    uwsgi_temp_path {root}/uwsgi;
    scgi_temp_path {root}/scgi;
    include {root}/site.conf;
}}
"""


def nginx_binary() -> str:
    """nginx's path; skips the test when it is not installed (``make system`` installs it)."""
    found = shutil.which("nginx") or (
        "/usr/sbin/nginx" if Path("/usr/sbin/nginx").exists() else None
    )
    if found is None:
        pytest.skip("nginx is not installed (make system installs it)")
    return found


def site_for(port: int, replicas: tuple[str, str]) -> str:
    """The documented site, listening on ``port`` and passing on to ``replicas``."""
    text = SITE.read_text()
    for documented, actual in zip(DOCUMENTED_REPLICAS, replicas, strict=True):
        assert documented in text, f"{SITE} no longer names {documented}"
        text = text.replace(documented, actual)
    assert "listen 80;" in text
    return text.replace("listen 80;", f"listen 127.0.0.1:{port};")


@contextmanager
def nginx_in_front(root: Path, *, port: int, replicas: tuple[str, str]) -> Iterator[str]:
    """nginx on ``127.0.0.1:port`` in front of ``replicas``; yields its URL."""
    binary = nginx_binary()
    root.mkdir()
    (root / "site.conf").write_text(site_for(port, replicas))
    (root / "nginx.conf").write_text(MAIN.format(root=root, user=getpass.getuser()))
    command = [
        binary,
        "-p",
        str(root),
        "-e",
        str(root / "error.log"),
        "-c",
        str(root / "nginx.conf"),
    ]
    check = subprocess.run(
        [*command, "-t"],
        capture_output=True,
        text=True,
        check=False,
    )
    assert check.returncode == 0, check.stderr
    with (root / "nginx.out").open("wb") as sink:
        proc = subprocess.Popen(command, stdout=sink, stderr=sink)
    url = f"http://127.0.0.1:{port}"
    try:

        def listening() -> bool:
            try:
                httpx.get(f"{url}/nothing-here", timeout=2)
            except httpx.TransportError:
                return proc.poll() is not None
            return True

        eventually(listening, timeout=10, what="nginx listening")
        if proc.poll() is not None:
            pytest.fail(f"nginx ended: {(root / 'error.log').read_text()}")
        yield url
    finally:
        if proc.poll() is None:
            proc.terminate()  # its master stops its worker and exits
        proc.wait(timeout=10)
