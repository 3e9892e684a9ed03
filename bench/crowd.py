"""Many concurrent clients against ``modelhub serve --demo`` on loopback.

Each client is a loop of requests (catalog page, search, model card, rdf.yaml, package zip)
for ``--duration`` seconds; levels of 20, 200 and 500 clients by default. Printed per level:
requests/s, p50/p95 latency of the answered requests, answers by status, 503 answers (overload
said early, counted apart from errors), errors (every other non-2xx/304 status), timeouts and
connection failures. Targets: no errors and no timeouts at 200 clients, throughput at 200 ≥
throughput at 20; at 500, early 503 answers are acceptable.

SQLite by default; ``--database-url postgresql+psycopg://…`` runs the same on PostgreSQL (the
database's public schema is REPLACED). ``--env NAME=VALUE`` passes settings to the hub
(``--env MODELHUB_WEB_WORKERS=2``)."""

from __future__ import annotations

import argparse
import asyncio
import random
import statistics
import time
from collections import Counter
from dataclasses import dataclass, field

import httpx
import psutil
from sqlalchemy import create_engine, text

from common import running_hub

SEARCH_WORDS = ("nuclei", "segmentation", "example", "cell", "denoising", "zzzz")


@dataclass
class Level:
    clients: int
    latencies: list[float] = field(default_factory=list)
    statuses: Counter[int] = field(default_factory=Counter)
    overload_latencies: list[float] = field(default_factory=list)
    timeouts: int = 0
    failures: Counter[str] = field(default_factory=Counter)
    wall: float = 0.0
    server_cpu: float = 0.0  # CPU seconds of the hub's processes during the level
    client_cpu: float = 0.0
    # how late this client's own event loop wakes up: latencies include that much of its lag
    loop_lag: list[float] = field(default_factory=list)


def _paths(ids: list[str], rng: random.Random) -> str:
    rid = rng.choice(ids)
    roll = rng.random()
    if roll < 0.2:
        return "/"
    if roll < 0.4:
        return f"/?q={rng.choice(SEARCH_WORDS)}"
    if roll < 0.6:
        return f"/resources/{rid}"
    if roll < 0.8:
        return f"/artifacts/{rid}/files/rdf.yaml"
    return f"/artifacts/{rid}/package.zip"


async def _client(
    client: httpx.AsyncClient, ids: list[str], level: Level, until: float, seed: int
) -> None:
    rng = random.Random(seed)
    while time.monotonic() < until:
        path = _paths(ids, rng)
        start = time.perf_counter()
        try:
            async with client.stream("GET", path) as response:
                async for _ in response.aiter_raw(256 * 1024):
                    pass
        except httpx.TimeoutException:
            level.timeouts += 1
            continue
        except httpx.TransportError as exc:
            level.failures[type(exc).__name__] += 1
            await asyncio.sleep(0.1)  # a refused connection returns at once: do not spin
            continue
        took = time.perf_counter() - start
        level.statuses[response.status_code] += 1
        if response.status_code == 503:
            level.overload_latencies.append(took)
            retry = float(response.headers.get("retry-after", "1"))
            await asyncio.sleep(min(retry, 1.0) * rng.random())
        else:
            level.latencies.append(took)


async def _probe_lag(level: Level, until: float) -> None:
    while time.monotonic() < until:
        asked = time.perf_counter()
        await asyncio.sleep(0.1)
        level.loop_lag.append(time.perf_counter() - asked - 0.1)


def _cpu_seconds(pid: int) -> float:
    """CPU time of the hub and its children (web workers): the machine is shared, so the work
    per request tells more than the wall clock alone."""
    root = psutil.Process(pid)
    total = 0.0
    for proc in (root, *root.children(recursive=True)):
        try:
            times = proc.cpu_times()
        except psutil.NoSuchProcess:
            continue
        total += times.user + times.system
    return total


async def _run_level(
    url: str, ids: list[str], clients: int, duration: float, timeout: float
) -> Level:
    level = Level(clients)
    limits = httpx.Limits(max_connections=clients, max_keepalive_connections=clients)
    async with httpx.AsyncClient(base_url=url, timeout=timeout, limits=limits) as client:
        start = time.monotonic()
        until = start + duration
        probe = asyncio.create_task(_probe_lag(level, until))
        await asyncio.gather(*(_client(client, ids, level, until, n) for n in range(clients)))
        await probe
        level.wall = time.monotonic() - start
    return level


def _quantile(values: list[float], q: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


def _report(level: Level) -> None:
    answered = sum(level.statuses.values())
    ok = sum(n for s, n in level.statuses.items() if s < 400)
    overload = level.statuses.get(503, 0)
    errors = {s: n for s, n in sorted(level.statuses.items()) if s >= 400 and s != 503}
    p50 = statistics.median(level.latencies) if level.latencies else float("nan")
    print(
        f"clients {level.clients:4d}: {ok / level.wall:7.1f} ok req/s ({answered} answered in"
        f" {level.wall:.1f} s)  p50 {p50:.3f} s  p95 {_quantile(level.latencies, 0.95):.3f} s"
        f"  max {max(level.latencies, default=float('nan')):.3f} s"
    )
    early = _quantile(level.overload_latencies, 0.95)
    print(
        f"              statuses {dict(sorted(level.statuses.items()))}  errors {errors or 0}"
        f"  503 {overload} (p95 {early:.3f} s)  timeouts {level.timeouts}"
        f"  connection failures {dict(level.failures) or 0}",
    )
    per_request = 1000 * level.server_cpu / max(answered, 1)
    print(
        f"              CPU: server {level.server_cpu:.1f} s ({per_request:.1f} ms/answer,"
        f" {level.server_cpu / level.wall:.2f} cores), client {level.client_cpu:.1f} s"
        f" ({level.client_cpu / level.wall:.2f} cores), client loop lag p95"
        f" {_quantile(level.loop_lag, 0.95):.3f} s",
        flush=True,
    )


def _reset_postgres(url: str) -> None:
    engine = create_engine(url)
    with engine.begin() as conn:
        conn.execute(text("DROP SCHEMA public CASCADE"))
        conn.execute(text("CREATE SCHEMA public"))
    engine.dispose()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--levels", default="20,200,500", help="client counts, comma-separated")
    parser.add_argument("--duration", type=float, default=30.0, help="seconds per level")
    parser.add_argument("--timeout", type=float, default=60.0, help="client timeout (s)")
    parser.add_argument("--database-url", default=None, help="PostgreSQL URL (schema replaced)")
    parser.add_argument("--env", action="append", default=[], help="NAME=VALUE for the hub")
    args = parser.parse_args()
    env = dict(item.split("=", 1) for item in args.env)
    engine = "sqlite"
    if args.database_url:
        _reset_postgres(args.database_url)
        env["MODELHUB_DATABASE_URL"] = args.database_url
        engine = "postgresql"
    print(f"engine {engine}; settings {env}; {args.duration:.0f} s per level", flush=True)
    with running_hub(demo=True, env=env) as hub:
        ids = [key for key in httpx.get(f"{hub.url}/id_map.json").json() if "/" not in key]
        print(f"{len(ids)} demo resources: {', '.join(ids)}", flush=True)
        for clients in (int(n) for n in args.levels.split(",")):
            server_before, client_before = _cpu_seconds(hub.pid), time.process_time()
            level = asyncio.run(_run_level(hub.url, ids, clients, args.duration, args.timeout))
            level.server_cpu = _cpu_seconds(hub.pid) - server_before
            level.client_cpu = time.process_time() - client_before
            _report(level)
        problems = [line for line in hub.log.read_text().splitlines() if "Traceback" in line]
        print(f"server log: {len(problems)} tracebacks")


if __name__ == "__main__":
    main()
