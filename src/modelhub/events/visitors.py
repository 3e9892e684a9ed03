"""Who downloads, without keeping who: a visitor is a hash of the client address and user agent
with a salt of the day (random, kept two days, then deleted), so repeats of one day can be told
apart from new visitors while neither the address nor the user agent is stored. The user agent
is classified here too (people, or bots: crawlers, CI, monitors)."""

from __future__ import annotations

import hashlib
import re
import secrets
from datetime import date, datetime

from sqlalchemy import Date, String, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Mapped, Session, mapped_column

from modelhub.db import Base

_BOTS = re.compile(
    r"bot\b|bot/|crawl|spider|slurp|scrape|headless|lighthouse|pingdom|uptime|monitor|"
    r"github-actions|gitlab-ci|jenkins|buildkite|circleci|travis|\bci\b|"
    r"wget|facebookexternalhit|preview|archiver|validator",
    re.IGNORECASE,
)
_PRODUCT = re.compile(r"^\s*([A-Za-z][\w.\-]{0,63})(?:/([\w.\-+]{1,64}))?")
_SALTS: dict[tuple[str, date], str] = {}
"""Salts read back from the database, per database and day (a process never invents one)."""


class VisitorSalt(Base):
    """The random salt of one day (UTC); the analytics fold deletes those older than two days."""

    __tablename__ = "usage_salts"

    day: Mapped[date] = mapped_column(Date, primary_key=True)
    salt: Mapped[str] = mapped_column(String(64))


def is_bot(user_agent: str) -> bool:
    """Crawlers, CI runners, monitors and link previews: counted apart from people."""
    return bool(_BOTS.search(user_agent))


def product_of(user_agent: str) -> tuple[str, str]:
    """The first product of a user agent (``ilastik/1.4`` → ``("ilastik", "1.4")``), lower-cased;
    ``("unknown", "")`` without one."""
    match = _PRODUCT.match(user_agent or "")
    if match is None:
        return "unknown", ""
    return match.group(1).lower()[:64], (match.group(2) or "")[:64]


def salt_of(db: Session, day: date) -> str:
    """The salt of ``day``: the one in the database, made in the caller's transaction if the
    day has none yet (of two processes making one at once, the first to commit wins and the
    other's savepoint rolls back)."""
    key = (str(db.get_bind().engine.url), day)
    cached = _SALTS.get(key)
    if cached is not None:
        return cached
    found = db.scalar(select(VisitorSalt.salt).where(VisitorSalt.day == day))
    if found is not None:
        _SALTS[key] = found
        return found
    salt = secrets.token_hex(16)
    try:
        with db.begin_nested():
            db.add(VisitorSalt(day=day, salt=salt))
    except IntegrityError:
        found = db.scalar(select(VisitorSalt.salt).where(VisitorSalt.day == day))
        return found or salt
    return salt


def visitor_hash(db: Session, *, address: str, user_agent: str, now: datetime) -> str:
    """The visitor of the day: 16 bytes of sha256(salt, address, user agent), hex."""
    salt = salt_of(db, now.date())
    digest = hashlib.sha256(f"{salt}\0{address}\0{user_agent}".encode())
    return digest.hexdigest()[:32]


def forget_salts(db: Session, *, before: date) -> None:
    """Delete the salts of days before ``before`` (their hashes can no longer be linked)."""
    db.query(VisitorSalt).filter(VisitorSalt.day < before).delete(synchronize_session=False)
    for key in [k for k in _SALTS if k[1] < before]:
        _SALTS.pop(key, None)
