"""Make sure the PostgreSQL server for the tests runs and the test database exists.

Starts the local cluster when nothing answers on 127.0.0.1:5432 (Debian's pg_ctlcluster)."""

from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path

import psycopg
from sqlalchemy.engine import make_url


def _connect(dbname: str, url_text: str) -> psycopg.Connection[tuple[object, ...]]:
    url = make_url(url_text)
    return psycopg.connect(
        host=url.host or "127.0.0.1",
        port=url.port or 5432,
        user=url.username or "postgres",
        password=url.password,
        dbname=dbname,
        autocommit=True,
        connect_timeout=3,
    )


def _start_cluster() -> None:
    versions = sorted(p.name for p in Path("/etc/postgresql").iterdir())
    if not versions:
        sys.exit("PostgreSQL is not installed (no /etc/postgresql)")
    subprocess.run(
        ["pg_ctlcluster", "--skip-systemctl-redirect", versions[-1], "main", "start"], check=False
    )


def main(url_text: str) -> None:
    target = make_url(url_text).database or "modelhub_test"
    for attempt in range(30):
        try:
            conn = _connect("postgres", url_text)
            break
        except psycopg.OperationalError:
            if attempt == 0:
                _start_cluster()
            time.sleep(1)
    else:
        sys.exit("PostgreSQL did not come up on the configured address")
    with conn:
        exists = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", (target,)).fetchone()
        if not exists:
            conn.execute(f'CREATE DATABASE "{target}"')
    print(f"PostgreSQL ready: database {target}")


if __name__ == "__main__":
    main(sys.argv[1])
