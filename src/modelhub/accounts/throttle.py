"""Throttling password guessing: failed logins are counted per account name and per client
address; from the ``limit``-th failure in a row on, further attempts are refused for a window
that doubles with every further failure (capped at a day).

A successful login clears its account's count only: one who sprays guesses over many accounts
from one address keeps the address's count, even if one guess is right. Counts older than a
day are forgotten. The state lives in the database: every process of the hub, and a restarted
one, applies the same limits."""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import ColumnElement, and_, delete, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from modelhub.accounts.models import LoginThrottle
from modelhub.config import Settings
from modelhub.db import utcnow

ACCOUNT = "account"
ADDRESS = "address"
MAX_WAIT_S = 24 * 3600.0
FORGET_AFTER = timedelta(days=1)


@dataclass(frozen=True)
class Policy:
    """Failures in a row before the first refusal (per account, per address), and that first
    window's length in seconds."""

    account_limit: int
    address_limit: int
    first_wait_s: float

    @classmethod
    def of(cls, settings: Settings) -> Policy:
        return cls(
            account_limit=settings.login_max_failures,
            address_limit=settings.login_max_failures_per_address,
            first_wait_s=settings.login_wait_s,
        )

    def limit_of(self, scope: str) -> int:
        return self.account_limit if scope == ACCOUNT else self.address_limit

    def wait_after(self, failures: int, scope: str) -> float | None:
        """The refusal window after ``failures`` failures in a row, or None below the limit."""
        over = failures - self.limit_of(scope)
        if over < 0:
            return None
        return min(self.first_wait_s * 2.0 ** min(over, 64), MAX_WAIT_S)


def _keys(username: str, address: str) -> list[tuple[str, str]]:
    return [(ACCOUNT, username[:255]), (ADDRESS, address[:255])]


def _match(scope: str, key: str) -> ColumnElement[bool]:
    return and_(LoginThrottle.scope == scope, LoginThrottle.key == key)


def seconds_to_wait(
    db: Session, *, username: str, address: str, now: datetime | None = None
) -> int:
    """Whole seconds before this account may be tried from this address again; 0: now."""
    now = now or utcnow()
    waits = [0.0]
    for scope, key in _keys(username, address):
        until = db.scalar(select(LoginThrottle.blocked_until).where(_match(scope, key)))
        if until is not None and until > now:
            waits.append((until - now).total_seconds())
    return math.ceil(max(waits))


def _count_failure(db: Session, scope: str, key: str, now: datetime) -> int:
    """One more failure for (scope, key), atomically (concurrent logins lose no count)."""
    where = _match(scope, key)
    bump = (
        update(LoginThrottle)
        .where(where)
        .values(failures=LoginThrottle.failures + 1, last_failure_at=now)
    )
    if db.execute(bump).rowcount == 0:  # type: ignore[attr-defined]
        try:
            with db.begin_nested():
                db.add(LoginThrottle(scope=scope, key=key, failures=1, last_failure_at=now))
        except IntegrityError:  # another process counted the first failure at the same time
            db.execute(bump)
    return db.scalar(select(LoginThrottle.failures).where(where)) or 0


def record_failure(
    db: Session, *, username: str, address: str, policy: Policy, now: datetime | None = None
) -> int:
    """Count a failed login; answers the seconds the caller must now wait (0: none)."""
    now = now or utcnow()
    # forget counts older than a day (their windows have ended): made-up account names that
    # only ever failed do not pile up
    db.execute(delete(LoginThrottle).where(LoginThrottle.last_failure_at < now - FORGET_AFTER))
    longest = 0.0
    for scope, key in _keys(username, address):
        failures = _count_failure(db, scope, key, now)
        wait = policy.wait_after(failures, scope)
        if wait is not None:
            until = now + timedelta(seconds=wait)
            db.execute(update(LoginThrottle).where(_match(scope, key)).values(blocked_until=until))
            longest = max(longest, wait)
    return math.ceil(longest)


def record_success(db: Session, *, username: str) -> None:
    """Clear the account's count (never the address's: see the module's docstring)."""
    db.execute(delete(LoginThrottle).where(_match(ACCOUNT, username[:255])))


def in_minutes(seconds: int) -> str:
    """``"3 minutes"`` for a page: whole minutes, rounded up, at least one."""
    minutes = max(1, math.ceil(seconds / 60))
    return f"{minutes} minute" if minutes == 1 else f"{minutes} minutes"


def attempt_wait(db: Session, *, scope: str, key: str, now: datetime | None = None) -> int:
    """Whole seconds before one more attempt of ``scope`` (e.g. ``"signup"``) by ``key``."""
    now = now or utcnow()
    until = db.scalar(select(LoginThrottle.blocked_until).where(_match(scope, key[:255])))
    return math.ceil((until - now).total_seconds()) if until is not None and until > now else 0


def record_attempt(
    db: Session,
    *,
    scope: str,
    key: str,
    limit: int,
    first_wait_s: float,
    now: datetime | None = None,
) -> None:
    """Count one attempt (sign-ups, reset e-mails: every one counts, not only failures); from
    the ``limit``-th on, the next waits a window that doubles with each further attempt."""
    now = now or utcnow()
    db.execute(delete(LoginThrottle).where(LoginThrottle.last_failure_at < now - FORGET_AFTER))
    count = _count_failure(db, scope, key[:255], now)
    over = count - limit
    if over >= 0:
        until = now + timedelta(seconds=min(first_wait_s * 2.0 ** min(over, 64), MAX_WAIT_S))
        db.execute(
            update(LoginThrottle).where(_match(scope, key[:255])).values(blocked_until=until)
        )
