"""A PostgreSQL server of one's own, in a temporary folder on a free loopback port, that a
fault test may stop at once (``pg_ctl stop -m immediate``: like a crash, no shutdown
checkpoint) and start again — never the machine's shared server. PostgreSQL refuses to run as
root: as root the commands run as the ``postgres`` user."""

from __future__ import annotations

import glob
import os
import shutil
import subprocess
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from pathlib import Path


def postgres_bin() -> Path | None:
    """The newest installed PostgreSQL binaries (Debian's layout), None when there are none."""
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/pg_ctl"), key=_major)
    return Path(found[-1]).parent if found else None


def _major(path: str) -> int:
    part = Path(path).parts[-3]
    return int(part) if part.isdigit() else 0


class OwnPostgres:
    def __init__(self, bin_dir: Path, root: Path, port: int) -> None:
        self.bin_dir, self.root, self.port = bin_dir, root, port
        self.data = root / "pgdata"
        self.log = root / "postgres.log"

    @property
    def url(self) -> str:
        return f"postgresql+psycopg://postgres@127.0.0.1:{self.port}/postgres"

    def _run(self, *args: str, timeout: float = 60) -> None:
        command = [str(self.bin_dir / args[0]), *args[1:]]
        if os.geteuid() == 0:
            command = ["runuser", "-u", "postgres", "--", *command]
        done = subprocess.run(command, capture_output=True, text=True, timeout=timeout, check=False)
        if done.returncode != 0:
            raise RuntimeError(f"{args[0]} failed: {done.stdout}{done.stderr}")

    def init(self) -> None:
        if os.geteuid() == 0:
            shutil.chown(self.root, "postgres", "postgres")
        self._run("initdb", "-D", str(self.data), "-U", "postgres", "--auth=trust", "-E", "UTF8")

    def start(self) -> None:
        options = f"-p {self.port} -k {self.root} -c listen_addresses=127.0.0.1 -c fsync=off"
        self._run("pg_ctl", "-D", str(self.data), "-l", str(self.log), "-o", options, "-w", "start")

    def stop(self, mode: str = "immediate") -> None:
        """Stop it (``immediate``: at once, no checkpoint, clients cut off — like a crash)."""
        self._run("pg_ctl", "-D", str(self.data), "-m", mode, "-w", "stop")

    def restart_after_crash(self) -> None:
        self.stop("immediate")
        self.start()


@contextmanager
def own_postgres(port: int) -> Iterator[OwnPostgres]:
    """An initialised, started server in a fresh temporary folder (one that the ``postgres``
    user can reach: pytest's own are private to root); stopped and removed afterwards."""
    bin_dir = postgres_bin()
    if bin_dir is None:
        raise RuntimeError("no PostgreSQL binaries under /usr/lib/postgresql")
    root = Path(tempfile.mkdtemp(prefix="modelhub-pg-"))
    server = OwnPostgres(bin_dir, root, port)
    try:
        server.init()
        server.start()
        yield server
    finally:
        with suppress(RuntimeError):  # already stopped
            server.stop("immediate")
        shutil.rmtree(root, ignore_errors=True)
