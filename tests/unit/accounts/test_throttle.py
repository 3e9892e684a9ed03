"""Login throttling on the real database: counts per account and per address, windows that
double, a success that clears only its account, counts forgotten after a day."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta

from alembic import command
from alembic.config import Config
from sqlalchemy import create_engine, inspect, select

from modelhub.accounts import throttle
from modelhub.accounts.models import LoginThrottle
from modelhub.config import Settings
from modelhub.db import MIGRATIONS_DIR, transaction, upgrade_database
from modelhub.hub import Hub

T0 = datetime(2026, 12, 1, 12, 0, tzinfo=UTC)
POLICY = throttle.Policy(account_limit=3, address_limit=5, first_wait_s=60)


def _fail(hub: Hub, username: str, address: str, at: datetime) -> int:
    with transaction(hub.sessions) as db:
        return throttle.record_failure(
            db, username=username, address=address, policy=POLICY, now=at
        )


def _wait(hub: Hub, username: str, address: str, at: datetime) -> int:
    with hub.sessions() as db:
        return throttle.seconds_to_wait(db, username=username, address=address, now=at)


def _rows(hub: Hub) -> dict[tuple[str, str], tuple[int, datetime | None]]:
    with hub.sessions() as db:
        return {
            (r.scope, r.key): (r.failures, r.blocked_until)
            for r in db.scalars(select(LoginThrottle))
        }


def test_the_window_doubles_with_each_failure_past_the_limit(hub: Hub) -> None:
    assert [_fail(hub, "ada", "10.0.0.1", T0) for _ in range(2)] == [0, 0]
    assert _wait(hub, "ada", "10.0.0.1", T0) == 0
    assert _fail(hub, "ada", "10.0.0.1", T0) == 60  # the third failure: the limit
    assert _wait(hub, "ada", "10.0.0.1", T0) == 60
    assert _wait(hub, "ada", "10.0.0.2", T0 + timedelta(seconds=59.5)) == 1  # any address
    assert _wait(hub, "ada", "10.0.0.1", T0 + timedelta(seconds=60)) == 0
    later = T0 + timedelta(seconds=61)
    assert _fail(hub, "ada", "10.0.0.1", later) == 120
    assert _fail(hub, "ada", "10.0.0.1", later) == 240
    assert _wait(hub, "ada", "10.0.0.1", later) == 240
    assert _wait(hub, "bob", "10.0.0.9", later) == 0  # other accounts, other addresses
    assert _rows(hub) == {
        ("account", "ada"): (5, later + timedelta(seconds=240)),
        ("address", "10.0.0.1"): (5, later + timedelta(seconds=60)),  # its limit is 5
    }


def test_a_success_clears_the_account_but_not_the_address(hub: Hub) -> None:
    for name in ("ada", "bob", "cy", "dan"):
        _fail(hub, name, "10.0.0.1", T0)
    with transaction(hub.sessions) as db:
        throttle.record_success(db, username="ada")
    assert ("account", "ada") not in _rows(hub)
    assert _rows(hub)[("address", "10.0.0.1")] == (4, None)
    # the fifth failure from this address blocks every account from it
    assert _fail(hub, "eve", "10.0.0.1", T0) == 60
    assert _wait(hub, "ada", "10.0.0.1", T0) == 60
    assert _wait(hub, "ada", "10.0.0.2", T0) == 0


def test_counts_are_forgotten_after_a_day(hub: Hub) -> None:
    for _ in range(3):
        _fail(hub, "ada", "10.0.0.1", T0)
    _fail(hub, "made-up", "10.0.0.2", T0 + timedelta(hours=1))
    next_day = T0 + timedelta(days=1, seconds=1)
    assert _fail(hub, "ada", "10.0.0.1", next_day) == 0
    # rows of more than a day ago are gone, the others are kept
    assert _rows(hub) == {
        ("account", "ada"): (1, None),
        ("address", "10.0.0.1"): (1, None),
        ("account", "made-up"): (1, None),
        ("address", "10.0.0.2"): (1, None),
    }


def test_the_longest_window_is_a_day(hub: Hub) -> None:
    policy = throttle.Policy(account_limit=1, address_limit=1, first_wait_s=3600)
    with transaction(hub.sessions) as db:
        waits = [
            throttle.record_failure(db, username="ada", address="a", policy=policy, now=T0)
            for _ in range(8)
        ]
    assert waits == [3600, 7200, 14400, 28800, 57600, 86400, 86400, 86400]


def test_minutes_for_people() -> None:
    assert [throttle.in_minutes(s) for s in (1, 60, 61, 3600)] == [
        "1 minute",
        "1 minute",
        "2 minutes",
        "60 minutes",
    ]


def test_the_migration_goes_down_and_up(settings: Settings) -> None:
    # the test's own database: an SQLite copy, or the PostgreSQL test database
    url = settings.resolved_database_url
    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS_DIR))
    cfg.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    cfg.attributes["configure_logger"] = False

    def tables() -> set[str]:
        engine = create_engine(url)
        try:
            return set(inspect(engine).get_table_names())
        finally:
            engine.dispose()

    assert "login_throttles" in tables()
    command.downgrade(cfg, "0006")
    assert "login_throttles" not in tables() and "users" in tables()
    upgrade_database(url)
    assert "login_throttles" in tables()


def test_concurrent_failures_lose_no_count(hub: Hub) -> None:
    # several hub workers failing logins for one account at the same moment
    with ThreadPoolExecutor(4) as pool:
        list(pool.map(lambda i: _fail(hub, "ada", f"10.0.0.{i}", T0), range(8)))
    assert _rows(hub)[("account", "ada")] == (8, T0 + timedelta(seconds=60 * 2**5))
