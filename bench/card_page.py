"""Server time of the resource page (the model card) of the shared package. Target: p95 ≤ 50 ms.

The hub runs in this process (no network, no client in the figures): an ASGI wrapper times each
request from its arrival to the last byte of the answer. The shared package is uploaded and
published once; then, after a warm-up, ``GET /resources/{id}`` (HTML) and its JSON twin are
requested REQUESTS times each.

    python bench/card_page.py                       # SQLite in a temporary directory
    python bench/card_page.py --postgres URL        # also on PostgreSQL: the schema at URL is
                                                    # dropped and re-created, give a scratch DB
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import tempfile
import time
from collections.abc import Awaitable, Callable, MutableMapping
from pathlib import Path
from typing import Any

import httpx
from sqlalchemy import create_engine, text

from common import shared_package_zip
from modelhub.accounts import service as accounts
from modelhub.accounts.models import Role
from modelhub.app import build_hub, create_app
from modelhub.config import Settings
from modelhub.db import transaction, upgrade_database

WARMUP = 20
REQUESTS = 300
TARGET_MS = 50.0

Scope = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[MutableMapping[str, Any]]]
Send = Callable[[MutableMapping[str, Any]], Awaitable[None]]
Asgi = Callable[[Scope, Receive, Send], Awaitable[None]]
Runs = dict[str, list[float]]


class Timed:
    """Wraps an ASGI app and records the seconds each HTTP request took inside it."""

    def __init__(self, app: Asgi) -> None:
        self.app = app
        self.seconds: list[float] = []

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        start = time.perf_counter()
        await self.app(scope, receive, send)
        if scope["type"] == "http":
            self.seconds.append(time.perf_counter() - start)


def _reset_postgres(url: str) -> None:
    engine = create_engine(url)
    with engine.begin() as conn:
        conn.execute(text("DROP SCHEMA public CASCADE"))
        conn.execute(text("CREATE SCHEMA public"))
    engine.dispose()


def _percentiles(seconds: list[float]) -> str:
    ms = sorted(s * 1000 for s in seconds)
    p95 = ms[min(len(ms) - 1, round(0.95 * (len(ms) - 1)))]
    return (
        f"p50 {statistics.median(ms):6.1f} ms  p95 {p95:6.1f} ms  max {ms[-1]:6.1f} ms  n={len(ms)}"
    )


async def _requests(client: httpx.AsyncClient, timed: Timed, token: str, tmp: Path) -> Runs:
    headers = {"authorization": f"Bearer {token}"}
    archive = shared_package_zip(tmp / "shared.zip").read_bytes()
    up = await client.post(
        "/api/v1/uploads", content=archive, headers={**headers, "content-type": "application/zip"}
    )
    up.raise_for_status()
    rid = up.json()["resource_id"]
    published = await client.post(
        f"/api/v1/resources/{rid}/publish",
        json={"override_reason": "benchmark: checks are measured separately"},
        headers=headers,
    )
    published.raise_for_status()
    timed.seconds.clear()
    (await client.get(f"/resources/{rid}")).raise_for_status()
    runs: Runs = {"first": list(timed.seconds)}
    for name, params in (("html", {}), ("json", {"format": "json"})):
        for _ in range(WARMUP):
            (await client.get(f"/resources/{rid}", params=params)).raise_for_status()
        timed.seconds.clear()
        for _ in range(REQUESTS):
            (await client.get(f"/resources/{rid}", params=params)).raise_for_status()
        runs[name] = list(timed.seconds)
    return runs


def measure(database_url: str | None, tmp: Path) -> Runs:
    """Server times ("first", "html", "json") of the shared package's card on one database."""
    settings = Settings(data_dir=tmp / "data", database_url=database_url)
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    upgrade_database(settings.resolved_database_url)
    hub = build_hub(settings)
    with transaction(hub.sessions) as db:
        user = accounts.create_user(db, username="bench", role=Role.admin)
        _, token = accounts.create_token(db, user=user)
    timed = Timed(create_app(hub=hub))

    async def run() -> Runs:
        transport = httpx.ASGITransport(app=timed)
        async with httpx.AsyncClient(transport=transport, base_url=settings.public_base) as client:
            return await _requests(client, timed, token, tmp)

    try:
        return asyncio.run(run())
    finally:
        hub.engine.dispose()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--postgres", help="a scratch PostgreSQL URL (its schema is reset)")
    args = parser.parse_args()
    targets: list[tuple[str, str | None]] = [("sqlite", None)]
    if args.postgres:
        targets.append(("postgresql", args.postgres))
    print(
        f"GET /resources/{{id}} of the shared package, server time in-process, {REQUESTS} requests"
    )
    for name, url in targets:
        if url:
            _reset_postgres(url)
        with tempfile.TemporaryDirectory(prefix="modelhub-bench-card-") as tmp:
            runs = measure(url, Path(tmp))
        html = runs["html"]
        p95 = sorted(html)[min(len(html) - 1, round(0.95 * (len(html) - 1)))] * 1000
        verdict = "met" if p95 <= TARGET_MS else "NOT met"
        print(f"{name:10s} first request {runs['first'][0] * 1000:.1f} ms (renders the card)")
        print(f"{name:10s} html  {_percentiles(html)}")
        print(f"{name:10s} json  {_percentiles(runs['json'])}")
        print(f"{name:10s} target p95 ≤ {TARGET_MS:.0f} ms (html): {verdict}")


if __name__ == "__main__":
    main()
