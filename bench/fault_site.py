"""The hub site of ``bench/faults.py``: its own PostgreSQL, moto's S3 behind a switchable
proxy, ``modelhub serve`` and ``dask`` processes started and killed by pid, and the figures
taken after each fault (fsck, gc, half-published versions, job runs)."""

from __future__ import annotations

import json
import logging
import os
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
from sqlalchemy import and_, create_engine, func, or_, select
from sqlalchemy.engine import Engine
from tests.conftest import changed_zip
from tests.faultproxy import FaultProxy
from tests.own_postgres import OwnPostgres, own_postgres
from tests.s3server import S3Server, serving_s3

from common import SHARED_MODEL, dataset_with_attachment, zip_folder
from modelhub.catalog.models import Resource, ResourceVersion, VersionStatus
from modelhub.checks.models import CheckRun
from modelhub.db import upgrade_database
from modelhub.demo.builder import build_package
from modelhub.jobs.models import Job, JobStatus

ROOT = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent


@dataclass
class Row:
    scenario: str
    fault: str
    recovery_s: float | None
    fsck: dict[str, int]
    gc_removed: dict[str, int]
    fsck_after: dict[str, int]
    half_published: int
    jobs: str
    clean: bool

    def line(self) -> str:
        took = "-" if self.recovery_s is None else f"{self.recovery_s:.1f} s"
        return (
            f"{self.scenario}: fault: {self.fault}\n"
            f"    recovery {took}; fsck found {self.fsck or 'nothing'}"
            + (f", gc --grace 0 removed {self.gc_removed}" if self.fsck else "")
            + f", fsck then {self.fsck_after or 'nothing'}; half-published versions "
            f"{self.half_published}; {self.jobs}; {'CLEAN' if self.clean else 'NOT CLEAN'}"
        )


@dataclass
class Served:
    url: str
    proc: subprocess.Popen[bytes]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def descendants(pid: int) -> list[int]:
    """Every process below ``pid`` (read from /proc before a kill, to end what it started)."""
    found: list[int] = []
    try:
        tasks = list(Path(f"/proc/{pid}/task").iterdir())
    except OSError:
        return found
    for task in tasks:
        try:
            children = (task / "children").read_text().split()
        except OSError:
            continue
        for child in map(int, children):
            found += [child, *descendants(child)]
    return found


def _kill_pids(pids: list[int]) -> None:
    for pid in pids:
        with suppress(ProcessLookupError):
            os.kill(pid, signal.SIGKILL)


@dataclass
class Cluster:
    """``dask scheduler`` and ``dask worker`` processes (no nanny: a killed worker stays dead)."""

    site: Site
    address: str
    procs: list[subprocess.Popen[bytes]] = field(default_factory=list)

    @property
    def worker(self) -> subprocess.Popen[bytes]:
        return self.procs[-1]

    def env(self) -> dict[str, str]:
        return {"MODELHUB_DASK_SCHEDULER": self.address}

    def start_worker(self) -> None:
        command = [str(BIN / "dask"), "worker", self.address, "--nthreads", "1", "--no-nanny"]
        command += ["--no-dashboard", "--host", "127.0.0.1"]
        self.procs.append(self.site.spawn(command, "worker"))


@dataclass
class Site:
    tmp: Path
    pg: OwnPostgres
    s3: S3Server
    proxy: FaultProxy
    storage_url: str
    engine: Engine
    token: str = ""
    extra_attempts: dict[int, int] = field(default_factory=dict)
    logs: list[Path] = field(default_factory=list)

    # -- processes ---------------------------------------------------------------------------

    def env(self, **extra: str) -> dict[str, str]:
        env = {k: v for k, v in os.environ.items() if not k.startswith(("MODELHUB_", "DASK_"))}
        env |= {
            "PYTHONPATH": os.pathsep.join([str(ROOT / "src"), str(ROOT)]),
            "MODELHUB_DATA_DIR": str(self.tmp / "data"),
            "MODELHUB_DATABASE_URL": self.pg.url,
            "MODELHUB_STORAGE_URL": self.storage_url,
            "MODELHUB_S3_ENDPOINT_URL": self.proxy.url,
            "MODELHUB_CHECK_SCRATCH_DIR": str(self.tmp / "scratch"),
            "MODELHUB_GC_INTERVAL_S": "0",  # fsck sees what a fault left, before any gc
            "MODELHUB_ALLOW_SELF_APPROVAL": "true",
            "MODELHUB_DASK_WORKERS": "1",
            "DASK_DISTRIBUTED__SCHEDULER__ALLOWED_FAILURES": "0",
        }
        return env | extra

    def spawn(self, command: list[str], name: str, **extra: str) -> subprocess.Popen[bytes]:
        log = self.tmp / f"{name}-{len(self.logs)}.log"
        self.logs.append(log)
        with log.open("wb") as sink:
            return subprocess.Popen(command, env=self.env(**extra), stdout=sink, stderr=sink)

    @contextmanager
    def hub(self, *, jobs: bool, **extra: str) -> Iterator[Served]:
        for _ in range(3):  # a free port may be taken before serve binds it (Dask's own)
            port = free_port()
            command = [str(BIN / "modelhub"), "serve", "--port", str(port)]
            proc = self.spawn(command + ([] if jobs else ["--no-jobs"]), "serve", **extra)
            url = f"http://127.0.0.1:{port}"
            try:
                self.wait_answering(url, proc=proc)
                break
            except RuntimeError:
                if "address already in use" not in self.logs[-1].read_text():
                    raise
                _kill_pids(descendants(proc.pid))
        try:
            yield Served(url, proc)
        finally:
            below = descendants(proc.pid)
            if proc.poll() is None:
                proc.terminate()
            proc.wait(timeout=60)
            _kill_pids(below)  # what a killed hub's cluster left behind

    @contextmanager
    def dask_cluster(self) -> Iterator[Cluster]:
        port = free_port()
        cluster = Cluster(self, f"tcp://127.0.0.1:{port}")
        command = [str(BIN / "dask"), "scheduler", "--host", "127.0.0.1", "--port", str(port)]
        cluster.procs.append(self.spawn([*command, "--no-dashboard"], "scheduler"))
        try:
            cluster.start_worker()
            yield cluster
        finally:
            for proc in reversed(cluster.procs):
                below = descendants(proc.pid)
                if proc.poll() is None:
                    proc.terminate()
                proc.wait(timeout=30)
                _kill_pids(below)

    def kill(self, proc: subprocess.Popen[bytes]) -> float:
        """``kill -9`` of ``proc`` and everything it started; the moment of the kill."""
        below = descendants(proc.pid)
        proc.send_signal(signal.SIGKILL)
        at = time.monotonic()
        proc.wait(timeout=30)
        _kill_pids(below)
        return at

    def died(self, proc: subprocess.Popen[bytes]) -> float:
        below = descendants(proc.pid)
        assert proc.wait(timeout=60) == -signal.SIGKILL
        _kill_pids(below)
        return time.monotonic()

    def wait_answering(
        self, url: str, *, proc: subprocess.Popen[bytes] | None = None, timeout: float = 120
    ) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if proc is not None and proc.poll() is not None:
                raise RuntimeError(f"serve ended: {self.logs[-1].read_text()[-3000:]}")
            try:
                if httpx.get(f"{url}/api/v1/resources", timeout=5).status_code == 200:
                    return
            except httpx.TransportError:
                pass
            time.sleep(0.1)
        raise TimeoutError(f"{url} did not answer within {timeout} s")

    # -- requests ----------------------------------------------------------------------------

    def client(self) -> httpx.Client:
        return httpx.Client(headers={"authorization": f"Bearer {self.token}"}, timeout=300)

    def upload(self, url: str, body: bytes) -> httpx.Response:
        with self.client() as http:
            return http.post(
                f"{url}/api/v1/uploads", content=body, headers={"content-type": "application/zip"}
            )

    def dataset(self, seed: int) -> bytes:
        folder = self.tmp / f"dataset-{seed}"
        target = self.tmp / f"dataset-{seed}.zip"
        if not target.exists():
            zip_folder(build_package("dataset-0.5", folder, seed=seed).root, target)
        return target.read_bytes()

    def big_package(self, size: int) -> bytes:
        folder = dataset_with_attachment(self.tmp / "big", size)
        return zip_folder(folder, self.tmp / "big.zip").read_bytes()

    def model(self, mark: str) -> bytes:
        target = self.tmp / "shared.zip"
        if not target.exists():
            zip_folder(SHARED_MODEL, target)
        return changed_zip(target.read_bytes(), mark)

    def half_send_upload(self, url: str, body: bytes) -> None:
        """Send the headers and half the body of an upload, until the hub is writing it."""
        host, port = url.removeprefix("http://").split(":")
        staging = self.tmp / "data" / "staging"
        conn = socket.create_connection((host, int(port)), timeout=60)
        head = (
            f"POST /api/v1/uploads HTTP/1.1\r\nHost: {host}\r\n"
            f"Authorization: Bearer {self.token}\r\nContent-Type: application/zip\r\n"
            f"Content-Length: {len(body)}\r\n\r\n"
        )
        conn.sendall(head.encode() + body[: len(body) // 2])
        deadline = time.monotonic() + 60
        while not any(p.stat().st_size for p in staging.glob("upload-*/upload.zip")):
            if time.monotonic() > deadline:
                raise TimeoutError("the half body never reached the staging area")
            time.sleep(0.02)
        self._half_open = conn  # closed by the kill: the hub is gone

    def probe_during(self, url: str, *, seconds: float) -> dict[str, int]:
        """Ask ``/api/v1/resources`` for ``seconds``: the answers, by status and code."""
        seen: dict[str, int] = {}
        end = time.monotonic() + seconds
        while time.monotonic() < end:
            try:
                answer = httpx.get(f"{url}/api/v1/resources", timeout=10)
                code = answer.json().get("error", {}).get("code", "ok")
                key = f"{answer.status_code} {code}"
            except httpx.TransportError as exc:
                key = type(exc).__name__
            seen[key] = seen.get(key, 0) + 1
            time.sleep(0.5)
        return seen

    # -- jobs --------------------------------------------------------------------------------

    def upload_model_and_wait_running(self, url: str, mark: str) -> int:
        """Upload the shared model; its check job id once it has run for 3 s."""
        made = self.upload(url, self.model(mark))
        assert made.status_code == 201, made.text
        with self.engine.connect() as conn:
            job_id = conn.scalar(select(func.max(Job.id)).where(Job.kind == "check"))
        assert job_id is not None
        self._wait(lambda: self._job_status(job_id) == JobStatus.running, 120, "check runs")
        time.sleep(3)  # inside the check (the sandbox has started)
        assert self._job_status(job_id) == JobStatus.running, "the check ended too soon"
        return int(job_id)

    def expect_extra_attempts(self, job_id: int, n: int) -> None:
        self.extra_attempts[job_id] = self.extra_attempts.get(job_id, 0) + n

    def wait_job(self, job_id: int, timeout: float = 600) -> None:
        self._wait(lambda: self._job_status(job_id).finished, timeout, f"job {job_id} ends")

    def _job_status(self, job_id: int) -> JobStatus:
        with self.engine.connect() as conn:
            return JobStatus(str(conn.scalar(select(Job.status).where(Job.id == job_id))))

    @staticmethod
    def _wait(condition: Any, timeout: float, what: str) -> None:
        deadline = time.monotonic() + timeout
        while not condition():
            if time.monotonic() > deadline:
                raise TimeoutError(what)
            time.sleep(0.1)

    # -- figures -----------------------------------------------------------------------------

    def cli(self, *args: str) -> tuple[int, dict[str, Any]]:
        done = subprocess.run(
            [str(BIN / "modelhub"), *args, "--json"],
            env=self.env(),
            capture_output=True,
            text=True,
            timeout=300,
            check=False,
        )
        return done.returncode, json.loads(done.stdout)

    def cli_text(self, *args: str) -> str:
        done = subprocess.run(
            [str(BIN / "modelhub"), *args], env=self.env(), capture_output=True, text=True,
            check=False,
        )  # fmt: skip
        if done.returncode != 0:
            raise RuntimeError(f"modelhub {' '.join(args)} failed: {done.stdout}{done.stderr}")
        return done.stdout

    def half_published(self) -> int:
        """Versions between states: published without a number or date, a number without
        being published; resources whose latest version is not a published one."""
        v = ResourceVersion
        published = v.status == VersionStatus.published
        odd_versions = select(func.count()).where(
            or_(
                and_(published, or_(v.number.is_(None), v.published_at.is_(None))),
                and_(~published, v.number.is_not(None)),
            )
        )
        named = select(v.number).where(v.resource_id == Resource.id, published)
        odd_resources = select(func.count()).where(
            or_(
                and_(Resource.latest_version.is_not(None), Resource.latest_version.not_in(named)),
                and_(Resource.published_at.is_not(None), Resource.latest_version.is_(None)),
            )
        )
        with self.engine.connect() as conn:
            return int(conn.scalar(odd_versions) or 0) + int(conn.scalar(odd_resources) or 0)

    def jobs(self) -> tuple[str, bool]:
        """Jobs so far: finished ones ran as often as expected (once, plus one per attempt a
        fault took), none failed, at most one check run per revision; queued ones wait for a
        hub with jobs (see ``drain``)."""
        with self.engine.connect() as conn:
            rows = conn.execute(select(Job.id, Job.status, Job.attempts)).all()
            per_version = conn.execute(
                select(CheckRun.version_id, func.count()).group_by(CheckRun.version_id)
            ).all()
        ended = [(i, s, a) for i, s, a in rows if JobStatus(s).finished]
        attempts = sum(a for _, _, a in ended)
        expected = sum(1 + self.extra_attempts.get(i, 0) for i, _, _ in ended)
        failed = sum(1 for _, s, _ in ended if JobStatus(s) is JobStatus.failed)
        most_runs = max((n for _, n in per_version), default=0)
        ok = attempts == expected and failed == 0 and most_runs <= 1
        text = (
            f"jobs ended {len(ended)} ({failed} failed), runs {attempts} (expected {expected}),"
            f" unfinished {len(rows) - len(ended)}, check runs per revision at most {most_runs}"
        )
        return text, ok

    def drain(self) -> float:
        """Run a hub with jobs until no job is queued or running; how long it took."""
        start = time.monotonic()
        with self.hub(jobs=True):
            self._wait(self._all_ended, 900, "every job ended")
        return time.monotonic() - start

    def _all_ended(self) -> bool:
        with self.engine.connect() as conn:
            statuses = conn.scalars(select(Job.status)).all()
        return all(JobStatus(s).finished for s in statuses)

    def check(self, scenario: str, fault: str, recovery_s: float | None) -> Row:
        code, found = self.cli("fsck")
        removed: dict[str, int] = {}
        after = found["counts"]
        if code != 0:
            _, gc_done = self.cli("gc", "--grace", "0")
            removed = dict(gc_done["removed"])
            after = self.cli("fsck")[1]["counts"]
        half = self.half_published()
        jobs, jobs_ok = self.jobs()
        # gc removes orphan objects in S3 too (past the grace period; 0 here): nothing may stay
        clean = not after and half == 0 and jobs_ok
        return Row(scenario, fault, recovery_s, found["counts"], removed, after, half, jobs, clean)

    def summary(self) -> str:
        drained = self.drain()
        jobs, ok = self.jobs()
        listed = self.s3_client().list_objects_v2(Bucket=self.s3.bucket, Prefix=self.prefix + "/")
        code, found = self.cli("fsck")
        then = ""
        if code != 0:
            # publishing replaces the draft's served rdf.yaml: the old one is garbage gc takes
            # after its grace period, not a leftover of a fault
            removed = self.cli("gc", "--grace", "0")[1]["removed"]
            again, after = self.cli("fsck")
            then = f", gc --grace 0 removed {removed}, fsck then exit {again}"
            then += f" {after['counts'] or 'nothing'}"
        return (
            f"at the end (after {drained:.1f} s of a hub running the jobs left): {jobs}"
            f" [{'OK' if ok else 'NOT OK'}]; fsck exit {code} {found['counts'] or 'nothing'}"
            f"{then}; half-published {self.half_published()};"
            f" {len(listed.get('Contents', []))} S3 objects under the hub's prefix"
            + "".join(f"\n    {f}" for f in found.get("findings", []))
        )

    @property
    def prefix(self) -> str:
        return self.storage_url.split("/", 3)[3]

    def s3_client(self) -> Any:
        import boto3

        return boto3.client("s3", endpoint_url=self.s3.endpoint_url)


@contextmanager
def open_site() -> Iterator[Site]:
    logging.getLogger("werkzeug").setLevel(logging.WARNING)  # moto's request log
    s3_servers = contextmanager(serving_s3)
    with (
        tempfile.TemporaryDirectory(prefix="modelhub-faults-") as tmp,
        own_postgres(free_port()) as pg,
        s3_servers() as s3,
    ):
        upgrade_database(pg.url)
        port = int(s3.endpoint_url.rsplit(":", 1)[1])
        proxy = FaultProxy(("127.0.0.1", port))
        engine = create_engine(pg.url, pool_pre_ping=True)
        site = Site(Path(tmp), pg, s3, proxy, s3.url(), engine)
        (site.tmp / "data").mkdir()
        try:
            created = site.cli_text("users", "create", "bench", "--role", "admin")
            site.token = created.strip().splitlines()[-1]
            yield site
        finally:
            proxy.close()
            engine.dispose()
