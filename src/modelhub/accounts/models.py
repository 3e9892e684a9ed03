"""Accounts: people, their API tokens and their web sessions."""

from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import Enum, ForeignKey, Index, Integer, String, UniqueConstraint, false, func, true
from sqlalchemy.orm import Mapped, mapped_column, relationship

from modelhub.db import Base, UtcDateTime, utcnow


class Role(enum.StrEnum):
    """Roles, each including the rights of the ones before it."""

    member = "member"
    reviewer = "reviewer"
    admin = "admin"

    @property
    def rank(self) -> int:
        return list(Role).index(self)

    def at_least(self, other: Role) -> bool:
        return self.rank >= other.rank


class User(Base):
    __tablename__ = "users"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    username: Mapped[str] = mapped_column(String(64), unique=True)
    email: Mapped[str | None] = mapped_column(String(320))
    password_hash: Mapped[str | None] = mapped_column(String(255))
    role: Mapped[Role] = mapped_column(
        Enum(Role, native_enum=False, length=16, validate_strings=True), default=Role.member
    )
    is_active: Mapped[bool] = mapped_column(default=True)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)
    # False for an address nobody proved to own (self sign-up): it links to no resource, and
    # with e-mail on, its owner uploads nothing until the confirmation link is followed
    email_confirmed: Mapped[bool] = mapped_column(default=True, server_default=true())
    # True when the person chose the username (self sign-up, an identity provider's claims):
    # anyone could take a GitHub user's name, so a description naming that GitHub user does not
    # make this account its maintainer; an admin's naming of an account does (migration 0025)
    self_named: Mapped[bool] = mapped_column(default=False, server_default=false())
    display_name: Mapped[str | None] = mapped_column(String(200))
    affiliation: Mapped[str | None] = mapped_column(String(200))
    orcid: Mapped[str | None] = mapped_column(String(19))
    github: Mapped[str | None] = mapped_column(String(39))

    tokens: Mapped[list[ApiToken]] = relationship(back_populates="user")

    # maintainers are matched by e-mail address: one account per address, whatever its case
    __table_args__ = (Index("uq_users_email_lower", func.lower(email), unique=True),)


class ApiToken(Base):
    """An API token; only its sha256 is stored, the token itself is shown once."""

    __tablename__ = "api_tokens"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(100))
    prefix: Mapped[str] = mapped_column(String(16))
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)
    last_used_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    revoked_at: Mapped[datetime | None] = mapped_column(UtcDateTime)

    user: Mapped[User] = relationship(back_populates="tokens")


class WebSession(Base):
    """A browser login; the cookie holds a random value whose sha256 is stored here."""

    __tablename__ = "web_sessions"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    session_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(UtcDateTime)

    user: Mapped[User] = relationship()


class LoginThrottle(Base):
    """Failed logins in a row of one account name or one client address (``scope``), and the
    time before which further attempts are refused; in the database so that every process of
    the hub, and a restarted one, applies the same limits."""

    __tablename__ = "login_throttles"
    __table_args__ = (UniqueConstraint("scope", "key"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    scope: Mapped[str] = mapped_column(String(16))  # "account" or "address"
    key: Mapped[str] = mapped_column(String(255))
    failures: Mapped[int] = mapped_column(default=0)
    last_failure_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow, index=True)
    blocked_until: Mapped[datetime | None] = mapped_column(UtcDateTime)


class OneTimeToken(Base):
    """A secret sent in a link (confirm an address, reset a password, an invitation): random,
    stored as its sha256 only, valid until ``expires_at`` and used once."""

    __tablename__ = "one_time_tokens"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    purpose: Mapped[str] = mapped_column(String(16))  # "confirm", "reset" or "invite"
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    user_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), index=True
    )
    email: Mapped[str | None] = mapped_column(String(320))  # the address to confirm
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(UtcDateTime)
    used_at: Mapped[datetime | None] = mapped_column(UtcDateTime)


class HubSetting(Base):
    """A setting an admin changed on the site (e.g. the sign-up policy): in the database, so
    every process of the hub applies it."""

    __tablename__ = "hub_settings"

    key: Mapped[str] = mapped_column(String(64), primary_key=True)
    value: Mapped[str] = mapped_column(String(255))
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)
