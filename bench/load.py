"""Load test with a real load tool: ``--users`` concurrent locust clients (200) mixing searches,
model pages, downloads and uploads (``bench/locustfile.py``) for ``--seconds`` (60), against one
replica of ``modelhub serve`` and then two, each time behind nginx with the documented site, on
PostgreSQL.

The hub gets a database of its own (``--database-url``, dropped and created again), the demo
content plus ``--more`` published datasets, an uploader account with an API token (``modelhub
users create``). Printed for each replica count: per request type the count, failures, p50,
p95 and requests/s; the failures by reason; the CPU the hub, nginx and locust used (they share
the machine's cores); then the throughput ratio two replicas / one. Every process runs on
loopback as a child of this one and is ended by its pid. Exits 1 when any request failed."""

from __future__ import annotations

import argparse
import csv
import os
import resource
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

import psutil

from load_content import publish_more, targets, write_plan
from load_hub import create_user, free_port, hub_env, nginx_in_front, recreate_database, replicas

HERE = Path(__file__).resolve().parent
DEFAULT_DATABASE = "postgresql+psycopg://postgres@127.0.0.1:5432/modelhub_load"


@dataclass
class Phase:
    replicas: int
    rows: list[dict[str, str]]  # locust's stats rows, the "Aggregated" one last
    failures: list[dict[str, str]]
    cpu: dict[str, float]  # seconds of CPU by part
    wall: float
    tracebacks: int  # in the replicas' logs
    nginx_errors: dict[str, int]  # by message

    @property
    def total(self) -> dict[str, str]:
        return self.rows[-1]


def _cpu(pids: list[int]) -> float:
    total = 0.0
    for pid in pids:
        try:
            root = psutil.Process(pid)
            for proc in (root, *root.children(recursive=True)):
                times = proc.cpu_times()
                total += times.user + times.system
        except psutil.NoSuchProcess:
            continue
    return total


def _locust(
    args: argparse.Namespace, url: str, plan: Path, prefix: Path
) -> subprocess.Popen[bytes]:
    # locust runs in a process of its own: imported after the hub's libraries it recurses in ssl
    command = [sys.executable, "-m", "locust", "-f", str(HERE / "locustfile.py"), "--headless"]
    command += ["-u", str(args.users), "-r", str(args.spawn_rate), "-t", f"{args.seconds}s"]
    command += ["--host", url, "--csv", str(prefix), "--only-summary", "--stop-timeout", "30"]
    env = os.environ | {"MODELHUB_LOAD_PLAN": str(plan)}
    with prefix.with_suffix(".log").open("wb") as log:
        return subprocess.Popen(command, env=env, stdout=log, stderr=subprocess.STDOUT)


def _phase(args: argparse.Namespace, count: int, env: dict[str, str], work: Path) -> Phase:
    front = int(env["MODELHUB_BASE_URL"].rsplit(":", 1)[1])
    ports = [free_port() for _ in range(count)]
    logs = work / f"replicas-{count}"
    logs.mkdir()
    with (
        replicas(ports, env=env, logs=logs) as hub_pids,
        nginx_in_front(work / f"nginx-{count}", port=front, upstream=ports) as nginx_pid,
    ):
        for port in ports:  # each replica reads its search index before the clients come
            targets(f"http://127.0.0.1:{port}")
        prefix = work / f"locust-{count}"
        before = {"hub": _cpu(hub_pids), "nginx": _cpu([nginx_pid])}
        reaped = resource.getrusage(resource.RUSAGE_CHILDREN)
        start = time.monotonic()
        locust = _locust(args, env["MODELHUB_BASE_URL"], work / "plan.json", prefix)
        try:
            locust.wait(timeout=args.seconds + 120)
        finally:
            if locust.poll() is None:
                locust.terminate()
                locust.wait(timeout=30)
            used = {"hub": _cpu(hub_pids) - before["hub"], "nginx": _cpu([nginx_pid])}
            used["nginx"] -= before["nginx"]
        # the only child reaped meanwhile is locust
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
        used["locust"] = after.ru_utime + after.ru_stime - reaped.ru_utime - reaped.ru_stime
        wall = time.monotonic() - start
    tracebacks = sum(p.read_text().count("Traceback") for p in logs.glob("*.log"))
    problems = _nginx_errors(work / f"nginx-{count}" / "error.log")
    with open(f"{prefix}_stats.csv", newline="") as stats:
        rows = list(csv.DictReader(stats))
    with open(f"{prefix}_failures.csv", newline="") as failed:
        failures = list(csv.DictReader(failed))
    return Phase(count, rows, failures, used, wall, tracebacks, problems)


def _nginx_errors(log: Path) -> dict[str, int]:
    """nginx's errors by message (an upstream that closed or refused a connection)."""
    found: dict[str, int] = {}
    for line in log.read_text().splitlines():
        if "[error]" in line or "[crit]" in line:
            message = line.split(": ", 1)[-1].split(", client:")[0]
            message = message.split(" ", 1)[-1] if message.startswith("*") else message
            found[message] = found.get(message, 0) + 1
    return found


def _report(phase: Phase) -> None:
    print(f"\n{phase.replicas} replica(s) behind nginx")
    print(f"  {'request':52} {'count':>7} {'fail':>5} {'p50 ms':>7} {'p95 ms':>7} {'req/s':>7}")
    for row in phase.rows:
        print(
            f"  {row['Name']:52} {row['Request Count']:>7} {row['Failure Count']:>5}"
            f" {row['50%']:>7} {row['95%']:>7} {float(row['Requests/s']):7.1f}"
        )
    for failure in phase.failures:
        print(f"  failed: {failure['Occurrences']} x {failure['Name']}: {failure['Error']}")
    cpu = "  ".join(f"{part} {sec / phase.wall:.2f}" for part, sec in phase.cpu.items())
    per_request = 1000 * phase.cpu["hub"] / max(int(phase.total["Request Count"]), 1)
    print(
        f"  CPU (cores, averaged over {phase.wall:.0f} s): {cpu};"
        f" hub {per_request:.1f} ms per request"
    )
    print(f"  tracebacks in the replicas' logs: {phase.tracebacks}")
    for message, times in phase.nginx_errors.items():
        print(f"  nginx error: {times} x {message}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--users", type=int, default=200, help="concurrent clients")
    parser.add_argument("--seconds", type=int, default=60, help="duration of each run")
    parser.add_argument("--spawn-rate", type=float, default=50, help="clients started per second")
    parser.add_argument("--replicas", default="1,2", help="replica counts, comma-separated")
    parser.add_argument("--more", type=int, default=40, help="published datasets beside the demo")
    parser.add_argument("--database-url", default=DEFAULT_DATABASE, help="dropped and created")
    args = parser.parse_args()
    recreate_database(args.database_url)
    with tempfile.TemporaryDirectory(prefix="modelhub-load-") as tmp:
        work = Path(tmp)
        env = hub_env(
            database_url=args.database_url,
            data_dir=work / "data",
            base_url=f"http://127.0.0.1:{free_port()}",
        )
        admin = create_user(env, "load-admin", "admin")
        uploader = create_user(env, "load-uploader", "member")
        seeding = free_port()
        started = time.monotonic()
        logs = work / "seeding"
        logs.mkdir()
        with replicas([seeding], env=env, logs=logs, demo=True):
            publish_more(f"http://127.0.0.1:{seeding}", admin, args.more)
            resources = targets(f"http://127.0.0.1:{seeding}")
        write_plan(work / "plan.json", token=uploader, resources=resources, folder=work / "pkg")
        print(
            f"PostgreSQL; {len(resources)} published resources (demo + {args.more}) in"
            f" {time.monotonic() - started:.0f} s; {args.users} clients, {args.seconds} s per run,"
            f" locust and the hub share this machine's {os.cpu_count()} cores",
            flush=True,
        )
        phases = []
        for count in (int(n) for n in args.replicas.split(",")):
            phases.append(_phase(args, count, env, work))
            _report(phases[-1])
    rates = {p.replicas: float(p.total["Requests/s"]) for p in phases}
    if 1 in rates and 2 in rates and rates[1]:
        print(f"\nthroughput 2 replicas / 1 replica: {rates[2] / rates[1]:.2f}")
    failed = sum(int(p.total["Failure Count"]) for p in phases)
    print(f"failures in all: {failed}")
    sys.exit(1 if failed else 0)


if __name__ == "__main__":
    main()
