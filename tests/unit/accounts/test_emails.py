"""E-mail addresses: a plain check of their form, one account per address whatever its case,
and the migration that adds the unique index to a hub whose accounts already share addresses."""

from __future__ import annotations

import os
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
from alembic import command
from alembic.config import Config
from sqlalchemy import create_engine, insert, select, text, update
from sqlalchemy.engine import make_url
from sqlalchemy.exc import IntegrityError

from modelhub.accounts import service
from modelhub.accounts.emails import clean_email
from modelhub.accounts.models import User
from modelhub.db import MIGRATIONS_DIR, transaction, utcnow
from modelhub.errors import Conflict, InvalidRequest
from modelhub.hub import Hub


@pytest.mark.parametrize(
    ("given", "kept"),
    [
        ("ada@lab.org", "ada@lab.org"),
        ("  Ada.Lovelace+hub@Uni-Heidelberg.de ", "Ada.Lovelace+hub@Uni-Heidelberg.de"),
        ("jörg@universität.de", "jörg@universität.de"),
        ("", None),
        ("   ", None),
        (None, None),
    ],
)
def test_addresses_are_trimmed_and_kept_as_written(given: str | None, kept: str | None) -> None:
    assert clean_email(given) == kept


@pytest.mark.parametrize(
    "given",
    ["ada", "ada@lab", "a@@lab.org", "ada lovelace@lab.org", "@lab.org", "ada@lab..org",
     "ada@-lab.org", "ada@lab_x.org", "ada@lab.org.", "ada@1.2.3.4", '"ada"@lab.org',
     "x" * 65 + "@lab.org", "ada@" + "l" * 250 + ".org", "ada@lab.org\n"[:-1] + "\x00"],
)  # fmt: skip
def test_what_is_not_an_address_is_refused_with_the_field(given: str) -> None:
    with pytest.raises(InvalidRequest) as info:
        clean_email(given)
    assert (info.value.code, info.value.status_code) == ("invalid_email", 400)
    assert [d.loc for d in info.value.details] == [("email",)]
    assert "name@institute.org" in info.value.message


def test_an_address_belongs_to_one_account_whatever_its_case(hub: Hub) -> None:
    with transaction(hub.sessions) as db:
        service.create_user(db, username="ada", email="Ada@Lab.org")
    for other in ("ada@lab.org", " ADA@LAB.ORG "):
        with hub.sessions() as db, pytest.raises(Conflict) as info:
            service.create_user(db, username="eve", email=other)
        assert info.value.code == "email_taken"
    with hub.sessions() as db:
        # the database refuses it too, should two requests race past the check
        with pytest.raises(IntegrityError):
            db.execute(insert(User).values(username="eve", email="ADA@lab.ORG", role="member",
                                           is_active=True, created_at=utcnow()))  # fmt: skip
        db.rollback()
    with hub.sessions() as db:
        assert db.scalars(select(User.email)).all() == ["Ada@Lab.org"]
        # accounts without an address are many
        service.create_user(db, username="bob")
        service.create_user(db, username="cy", email="  ")
        db.flush()
        assert db.scalars(select(User.email).order_by(User.id)).all() == ["Ada@Lab.org", None, None]


# --- the migration --------------------------------------------------------------------------


@pytest.fixture(params=["sqlite", "postgresql"])
def old_database(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """An empty database of its own, migrated up to the revision before the unique index."""
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path / 'old.sqlite3'}"
    else:
        base = os.environ.get("MODELHUB_TEST_DATABASE_URL")
        if not base:
            pytest.skip("MODELHUB_TEST_DATABASE_URL is not set")
        parsed = make_url(base)
        name = f"{parsed.database}_emails_{os.environ.get('PYTEST_XDIST_WORKER', 'main')}"
        admin = create_engine(parsed.set(database="postgres"), isolation_level="AUTOCOMMIT")
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}"'))
            conn.execute(text(f'CREATE DATABASE "{name}"'))
        url = parsed.set(database=name).render_as_string(hide_password=False)
    command.upgrade(_alembic(url), "0008")  # the revision before the unique e-mail index
    yield url
    if request.param == "postgresql":
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def _alembic(url: str) -> Config:
    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS_DIR))
    cfg.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    cfg.attributes["configure_logger"] = False
    return cfg


def test_the_migration_keeps_a_shared_address_on_the_oldest_account(old_database: str) -> None:
    engine = create_engine(old_database)
    people = [("ada", "ada@lab.org"), ("eve", " ADA@Lab.org "), ("bob", ""),
              ("cy", "cy@lab.org"), ("dan", "Ada@lab.org"), ("fay", None)]  # fmt: skip
    with engine.begin() as conn:
        for name, email in people:
            conn.execute(
                text(
                    "INSERT INTO users (username, email, role, is_active, created_at) "
                    "VALUES (:u, :e, 'member', true, CURRENT_TIMESTAMP)"
                ),
                {"u": name, "e": email},
            )
    command.upgrade(_alembic(old_database), "head")  # does not fail on the shared address
    with engine.begin() as conn:
        rows = conn.execute(select(User.username, User.email).order_by(User.id)).all()
        assert [tuple(r) for r in rows] == [
            ("ada", "ada@lab.org"),
            ("eve", None),
            ("bob", None),
            ("cy", "cy@lab.org"),
            ("dan", None),
            ("fay", None),
        ]
        with pytest.raises(IntegrityError):
            conn.execute(update(User).where(User.username == "eve").values(email="CY@lab.org"))
    engine.dispose()


@pytest.mark.parametrize("field", ["username", "email"])
def test_two_sign_ups_racing_for_one_name_or_address_get_a_conflict(hub: Hub, field: str) -> None:
    # the first account is written, not yet committed, when the second request checks: the
    # check passes and the database refuses the second row, which is told as a conflict (409)
    first = {"username": "ada", "email": "ada@lab.org"}
    second = {"username": "ada" if field == "username" else "eve",
              "email": "ADA@lab.org" if field == "email" else "eve@lab.org"}  # fmt: skip
    outcome: list[BaseException | None] = []
    with hub.sessions() as db:
        service.create_user(db, username=first["username"], email=first["email"])

        def race() -> None:
            with hub.sessions() as other:
                try:
                    service.create_user(other, username=second["username"], email=second["email"])
                    other.commit()
                    outcome.append(None)
                except Exception as exc:  # the test reads what was raised
                    outcome.append(exc)

        thread = threading.Thread(target=race)
        thread.start()
        thread.join(timeout=1)  # it waits for the first transaction's row
        db.commit()
    thread.join(timeout=30)
    assert len(outcome) == 1 and isinstance(outcome[0], Conflict)
    assert outcome[0].code == f"{field}_taken"
